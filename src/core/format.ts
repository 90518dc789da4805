/**
 * Numbers shown beside a verdict. A value rounded for display can read as equal to the threshold
 * it failed (a test F1 of 0.97089947 against 0.9709 printed "0.9709 >= 0.9709 FAIL"); these show
 * as many more digits as it takes for the number shown to get the same verdict as the value.
 */

/**
 * `format(value, d)` for the smallest d from `digits` up (to `maxDigits`) whose result, read back as
 * a number, `holds` exactly when the value itself got `verdict`; the value's shortest exact form
 * when none does.
 */
export function formatAgreeing(
  value: number,
  verdict: boolean,
  holds: (shown: number) => boolean,
  format: (v: number, digits: number) => string,
  digits: number,
  maxDigits = 20,
): string {
  for (let d = digits; d <= maxDigits; d++) {
    const s = format(value, d);
    if (holds(Number(s)) === verdict) return s;
  }
  return String(value);
}

/** `value op threshold` for the comparators of gates and limits ('>=', '<=', '>', '<'); false for any other (display code must not throw). */
export function compareWith(value: number, op: string, threshold: number): boolean {
  switch (op) {
    case '>=':
      return value >= threshold;
    case '<=':
      return value <= threshold;
    case '>':
      return value > threshold;
    case '<':
      return value < threshold;
    default:
      return false;
  }
}

/**
 * A gate's value in the tables' style (4 decimals; 4 significant digits below 0.001), with more
 * digits where those would make it read as meeting (or missing) `threshold` as formatThreshold
 * shows it, against the verdict it got.
 */
export function tableValue(value: number, comparator: string, threshold: number, passed: boolean): string {
  const shown = Number(formatThreshold(threshold));
  const small = Math.abs(value) < 1e-3;
  const format = small ? (x: number, d: number) => String(Number(x.toPrecision(d))) : (x: number, d: number) => x.toFixed(d);
  return formatAgreeing(value, passed, (x) => compareWith(x, comparator, shown), format, 4, small ? 17 : 20);
}

/**
 * A threshold as messages and tables show it: as given when short (0.85, 10, 1e-9), else to 6
 * significant digits (a baseline's F1 such as 0.8979591836734694 reads 0.897959). Not rounded to
 * the tables' 4 decimals: a baseline of 0.89796 shown as 0.8980 would make a candidate of 0.89797
 * that beat it read as below it.
 */
export function formatThreshold(t: number): string {
  const s = String(t);
  return s.length <= 8 ? s : String(Number(t.toPrecision(6)));
}


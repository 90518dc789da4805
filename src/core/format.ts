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

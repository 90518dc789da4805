/**
 * What `\s` and `trim` match: ECMAScript's WhiteSpace (tab, VT, FF, space, NBSP, ZWNBSP and the
 * other Zs characters) and LineTerminator (LF, CR, LS, PS), one UTF-16 code unit at a time. A test
 * checks it against `/\s/` for every code unit.
 */
export function isSpaceCodeUnit(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * The TTF font shipped in assets/fonts (DejaVu Sans, Bitstream Vera licence in
 * assets/fonts/LICENSE-DejaVu.txt). Vega draws text in this family and resvg gets these files
 * with system fonts switched off, so PNGs look the same on every machine.
 *
 * Location: two folders above this module, which holds both for src/report/fonts.ts (vitest)
 * and dist/report/fonts.js (compiled): <root>/assets/fonts.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TrainSpamError } from '../core/errors.js';

export const FONT_FAMILY = 'DejaVu Sans';

const FONT_FILE_NAMES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'] as const;

/** Absolute path of assets/fonts. */
export function fontDirectory(): string {
  return fileURLToPath(new URL('../../assets/fonts/', import.meta.url));
}

/** Absolute paths of the shipped TTF files; throws NOT_FOUND naming the path when one is missing. */
export function fontFiles(): string[] {
  const dir = fontDirectory();
  return FONT_FILE_NAMES.map((name) => {
    const file = fileURLToPath(new URL(`../../assets/fonts/${name}`, import.meta.url));
    if (!existsSync(file)) {
      throw new TrainSpamError('NOT_FOUND', `font file ${file} is missing; expected the shipped ${name} in ${dir}`, {
        path: file,
      });
    }
    return file;
  });
}

/**
 * Text bound for a terminal. Messages carry pieces of their input (a file name, an e-mail id, an
 * experiment or model name, a flag's value); a control character in one of them would reach the
 * terminal as a command: ESC sequences move the cursor, recolour, retitle or clear it, a carriage
 * return overwrites the line already written, and the bidi controls reorder the text after them.
 * `escapeControls` shows each such character as an escape instead (`\x1b`, `\u202e`); newline and
 * tab stay, the messages use them.
 */

// C0 but tab and newline, DEL, C1, and the bidi embedding / override / isolate controls
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function escapeControls(text: string): string {
  return text.replace(CONTROLS, (c) => {
    const n = c.charCodeAt(0);
    return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}

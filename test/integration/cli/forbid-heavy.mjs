// node --import ./forbid-heavy.mjs ...: installs forbid-heavy-hooks.mjs for the rest of the process.
import { register } from 'node:module';
register('./forbid-heavy-hooks.mjs', import.meta.url);

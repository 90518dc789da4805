/** Public surface of the report service (layer 3): plots and the HTML report. */
export * from './fonts.js';
export * from './render.js';
export * from './plot-specs.js';
export * from './plots.js';
export * from './report-data.js';
export * from './html.js';
export * from './files.js';
export * from './plot-renderer.js';

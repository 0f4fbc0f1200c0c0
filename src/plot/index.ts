// Public surface of the plotting library: platform-free rendering to RGBA and PNG encoding,
// shared by the CLI (Node) and the web app (browser).

export * from './image.ts';
export * from './font.ts';
export * from './colormap.ts';
export * from './ticks.ts';
export * from './png.ts';
export * from './colorbar.ts';
export * from './raster.ts';
export * from './chart.ts';
export * from './charts.ts';

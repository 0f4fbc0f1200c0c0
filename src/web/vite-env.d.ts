// Vite's `?raw` imports (the WGSL source is bundled as text; see src/gpu/shader-source.ts).
declare module '*?raw' {
  const source: string;
  export default source;
}

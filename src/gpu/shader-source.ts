// Where WGSL source comes from: shaders/*.wgsl, one kernel per file (DESIGN.md §2).
//
// Node (CLI under tsx, vitest, benchmarks) reads the file next to the repository's src/.
// A browser bundle cannot read files, and tsx does not understand Vite's `?raw` imports, so the
// web app registers the text once at start-up:
//
//   import fitWgsl from '../../shaders/fit.wgsl?raw';
//   import { registerShaderSource } from '../gpu/shader-source.ts';
//   registerShaderSource('fit', fitWgsl);
//
// Registered text always wins, in Node too (tests may inject a variant).

const registered = new Map<string, string>();

/** Supplies the source of shaders/<name>.wgsl (browser builds; tests). */
export function registerShaderSource(name: string, source: string): void {
  registered.set(name, source);
}

/** The WGSL text of shaders/<name>.wgsl. */
export async function loadShaderSource(name: string): Promise<string> {
  const known = registered.get(name);
  if (known !== undefined) return known;
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (!isNode) {
    throw new Error(`shader "${name}" not registered: call registerShaderSource('${name}', …) with shaders/${name}.wgsl?raw`);
  }
  // Variable specifiers keep bundlers from trying to resolve Node built-ins.
  const fsName = 'node:fs/promises';
  const { readFile } = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs/promises');
  const url = new URL(`../../shaders/${name}.wgsl`, import.meta.url);
  const source = await readFile(url, 'utf8');
  registered.set(name, source);
  return source;
}

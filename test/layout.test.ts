// The house's import rules (issue 20), read from the source itself so a new module cannot
// break them unnoticed:
// - src/pipeline/ is platform-free: nothing it imports, directly or through other modules of
//   ours, is a Node built-in (`node:…`), a `-node.ts` module, h5wasm's Node build, or a job;
//   the web worker imports these stages too.
// - src/core/ imports nothing of ours outside src/core/.
// - Nothing outside src/cli/ imports src/cli/ (the command line is a thin caller of the jobs).
// - src/gpu/ and src/cpu/ never import each other, and no GPU kernel module imports another
//   (they share src/gpu/plane-program.ts and src/gpu/compute.ts instead).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('..', import.meta.url));
const src = path.join(repo, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|mts|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Static and literal dynamic import specifiers of a module (comments stripped). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/[^\n]*/g, '$1');
  const specs: string[] = [];
  // `import type` and `typeof import(…)` are erased at compile time: they load nothing.
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s(?!type\s)[^'"`;]*?from\s*['"]([^'"]+)['"]/g)) specs.push(m[1]);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) specs.push(m[1]);
  for (const m of text.matchAll(/(?<!typeof\s)\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]);
  return specs;
}

function resolveRelative(from: string, spec: string): string | null {
  return spec.startsWith('.') ? path.resolve(path.dirname(from), spec) : null;
}

const rel = (p: string) => path.relative(repo, p);

describe('module layout', () => {
  const all = sourceFiles(src);

  it('finds the source tree', () => {
    expect(all.length).toBeGreaterThan(100);
    expect(all.some((f) => f.includes(`${path.sep}pipeline${path.sep}`))).toBe(true);
  });

  it('src/pipeline/ is platform-free, through everything it imports', () => {
    const problems: string[] = [];
    const seen = new Set<string>();
    const visit = (file: string, chain: string[]) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const spec of importsOf(file)) {
        const where = [...chain, rel(file)].join(' → ');
        if (spec.startsWith('node:') || spec === 'h5wasm/node' || spec === 'worker_threads' || spec === 'fs' || spec === 'path') {
          problems.push(`${where} imports ${spec}`);
          continue;
        }
        const target = resolveRelative(file, spec);
        if (!target) continue;
        if (/-node\.(ts|mts|mjs)$/.test(target)) problems.push(`${where} imports ${rel(target)} (Node-only)`);
        else if (target.startsWith(path.join(src, 'jobs')) || target.startsWith(path.join(src, 'cli'))) problems.push(`${where} imports ${rel(target)}`);
        else if (target.startsWith(src)) visit(target, [...chain, rel(file)]);
      }
    };
    for (const file of all.filter((f) => f.startsWith(path.join(src, 'pipeline') + path.sep))) visit(file, []);
    expect(seen.size).toBeGreaterThan(10);
    expect(problems).toEqual([]);
  });

  it('src/core/ imports only src/core/', () => {
    const problems = all.filter((f) => f.startsWith(path.join(src, 'core') + path.sep)).flatMap((file) =>
      importsOf(file).filter((spec) => {
        const target = resolveRelative(file, spec);
        return target ? !target.startsWith(path.join(src, 'core')) : true;
      }).map((spec) => `${rel(file)} imports ${spec}`));
    expect(problems).toEqual([]);
  });

  it('nothing outside src/cli/ imports src/cli/', () => {
    const cli = path.join(src, 'cli');
    const problems = sourceFiles(src).filter((f) => !f.startsWith(cli + path.sep)).flatMap((file) =>
      importsOf(file).filter((spec) => resolveRelative(file, spec)?.startsWith(cli + path.sep)).map((spec) => `${rel(file)} imports ${spec}`));
    expect(problems).toEqual([]);
  });

  it('gpu/ and cpu/ do not import each other; GPU kernel modules do not import each other', () => {
    const gpu = path.join(src, 'gpu');
    const cpu = path.join(src, 'cpu');
    const problems: string[] = [];
    for (const file of all) {
      const inGpu = file.startsWith(gpu + path.sep);
      const inCpu = file.startsWith(cpu + path.sep);
      if (!inGpu && !inCpu) continue;
      for (const spec of importsOf(file)) {
        const target = resolveRelative(file, spec);
        if (!target) continue;
        if (inGpu && target.startsWith(cpu + path.sep)) problems.push(`${rel(file)} imports ${rel(target)}`);
        if (inCpu && target.startsWith(gpu + path.sep)) problems.push(`${rel(file)} imports ${rel(target)}`);
        if (inGpu && /-kernel\.ts$/.test(file) && /-kernel\.ts$/.test(target)) problems.push(`${rel(file)} imports ${rel(target)}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

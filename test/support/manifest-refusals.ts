// The corridor manifest's one-line refusals, case by case: each case edits a copy of a valid
// manifest, and reading it must fail naming the manifest file and matching the case's pattern.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { readCorridorManifest } from '../../src/jobs/corridor/manifest.ts';

export type ManifestCase<M> = [what: string, edit: (manifest: M) => void, pattern: RegExp];

export async function expectManifestRefusals<M>(dir: string, base: M, cases: ManifestCase<M>[]): Promise<void> {
  for (const [what, edit, pattern] of cases) {
    const m = structuredClone(base);
    edit(m);
    const file = path.join(dir, `bad-${what.replace(/\W+/g, '-')}.json`);
    await writeFile(file, JSON.stringify(m));
    await expect(readCorridorManifest(file), what).rejects.toThrow(pattern);
    await expect(readCorridorManifest(file)).rejects.toThrow(file);
  }
}

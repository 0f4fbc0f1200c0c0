// Output folders: staged beside the target, renamed in on commit, removed on abort and on
// SIGINT/SIGTERM; an existing folder is refused unless overwrite.

import { describe, expect, it, beforeAll } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isInputError } from '../src/core/errors.ts';
import { beginOutput, withOutput } from '../src/io/output-dir-node.ts';

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'permasar-io-out-')); });

describe('beginOutput', () => {
  it('stages beside the target and commits by rename, creating parents', async () => {
    const outDir = join(dir, 'results', 'asc');
    const out = await beginOutput(outDir, { overwrite: false });
    expect(out.dir.startsWith(`${outDir}.partial-${process.pid}-`)).toBe(true);
    writeFileSync(join(out.dir, 'rate.tif'), 'x');
    expect(existsSync(outDir)).toBe(false);
    await out.commit();
    expect(readFileSync(join(outDir, 'rate.tif'), 'utf8')).toBe('x');
    expect(readdirSync(join(dir, 'results'))).toEqual(['asc']);
  });

  it('refuses an existing folder unless overwrite, and overwrite replaces it whole', async () => {
    const outDir = join(dir, 'existing');
    mkdirSync(outDir);
    writeFileSync(join(outDir, 'old.txt'), 'old');
    const error = await beginOutput(outDir, { overwrite: false }).catch((e: unknown) => e);
    expect(isInputError(error)).toBe(true);
    expect((error as Error).message).toBe(`${outDir}: exists; use --overwrite`);

    const out = await beginOutput(outDir, { overwrite: true });
    writeFileSync(join(out.dir, 'new.txt'), 'new');
    // The old results stay until the new ones are complete.
    expect(readFileSync(join(outDir, 'old.txt'), 'utf8')).toBe('old');
    await out.commit();
    expect(readdirSync(outDir)).toEqual(['new.txt']);
    expect(readdirSync(dir).filter((n) => n.startsWith('existing'))).toEqual(['existing']);
  });

  it('abort removes the staging folder and leaves the old output alone', async () => {
    const outDir = join(dir, 'kept');
    mkdirSync(outDir);
    writeFileSync(join(outDir, 'old.txt'), 'old');
    const listenersBefore = process.listenerCount('SIGINT');
    await expect(withOutput(outDir, { overwrite: true }, async (staging) => {
      writeFileSync(join(staging, 'half.tif'), 'half');
      throw new Error('kernel failed');
    })).rejects.toThrow('kernel failed');
    expect(readdirSync(dir).filter((n) => n.startsWith('kept'))).toEqual(['kept']);
    expect(readdirSync(outDir)).toEqual(['old.txt']);
    expect(process.listenerCount('SIGINT')).toBe(listenersBefore);
  });

  it('refuses a target that is a file', async () => {
    const file = join(dir, 'afile');
    writeFileSync(file, '');
    await expect(beginOutput(file, { overwrite: true })).rejects.toThrow(/exists and is a file/);
  });

  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal} removes the staging folder and exits ${code}`, async () => {
      const outDir = join(dir, `signal-${signal}`);
      const script = join(dir, `child-${signal}.mts`);
      const modulePath = resolve('src/io/output-dir-node.ts');
      writeFileSync(script, `
        import { beginOutput } from ${JSON.stringify(modulePath)};
        import { writeFileSync } from 'node:fs';
        const out = await beginOutput(${JSON.stringify(outDir)}, { overwrite: false });
        writeFileSync(out.dir + '/rate.tif', 'partial');
        console.log('READY ' + out.dir);
        setInterval(() => {}, 1000);
      `);
      const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: resolve('.'), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (d) => { stderr += d; });
      const staging = await new Promise<string>((resolveReady, reject) => {
        child.stdout.on('data', (d) => {
          stdout += d;
          const m = /READY (\S+)/.exec(stdout);
          if (m) resolveReady(m[1]);
        });
        child.on('exit', () => reject(new Error(`child exited early: ${stderr}`)));
      });
      expect(existsSync(join(staging, 'rate.tif'))).toBe(true);
      const exitCode = await new Promise<number | null>((done) => {
        child.on('exit', (c) => done(c));
        child.kill(signal);
      });
      expect(exitCode).toBe(code);
      expect(existsSync(staging)).toBe(false);
      expect(existsSync(outDir)).toBe(false);
    });
  }
});

// Output folders: staged beside the target, renamed in on commit, removed on abort and on
// SIGINT/SIGTERM; an existing folder is refused unless overwrite. Staging folders of killed runs
// (SIGKILL: Slurm preemption) are swept by the next run, those of live runs kept.

import { describe, expect, it, beforeAll } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isInputError } from '../src/core/errors.ts';
import { beginOutput, OWNER_FILE, STALE_MS, withOutput, type StagingOwner } from '../src/io/output-dir-node.ts';

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

  it('withOutput commits when the write returns, or lets the write commit first', async () => {
    const outDir = join(dir, 'with');
    const value = await withOutput(outDir, { overwrite: false }, async ({ dir: staging }) => {
      writeFileSync(join(staging, 'a.txt'), 'a');
      return 7;
    });
    expect(value).toBe(7);
    expect(readdirSync(outDir)).toEqual(['a.txt']);
    const order: string[] = [];
    await withOutput(outDir, { overwrite: true }, async (out) => {
      writeFileSync(join(out.dir, 'b.txt'), 'b');
      await out.commit();
      order.push(existsSync(join(outDir, 'b.txt')) ? 'committed' : 'not yet');
    });
    expect(order).toEqual(['committed']);
    expect(readdirSync(outDir)).toEqual(['b.txt']);
  });

  it('abort removes the staging folder and leaves the old output alone', async () => {
    const outDir = join(dir, 'kept');
    mkdirSync(outDir);
    writeFileSync(join(outDir, 'old.txt'), 'old');
    const listenersBefore = process.listenerCount('SIGINT');
    await expect(withOutput(outDir, { overwrite: true }, async ({ dir: staging }) => {
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

/** A child process that stages `outDir` (writing into it every 20 ms) until it is killed. */
async function stagingChild(outDir: string, name: string): Promise<{ child: ReturnType<typeof spawn>; staging: string }> {
  const script = join(dir, `child-${name}.mts`);
  writeFileSync(script, `
    import { beginOutput } from ${JSON.stringify(resolve('src/io/output-dir-node.ts'))};
    import { appendFileSync } from 'node:fs';
    const out = await beginOutput(${JSON.stringify(outDir)}, { overwrite: false });
    appendFileSync(out.dir + '/rate.tif', 'partial');
    console.log('READY ' + out.dir);
    setInterval(() => appendFileSync(out.dir + '/rate.tif', 'more'), 20);
  `);
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: resolve('.'), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += d; });
  const staging = await new Promise<string>((resolveReady, reject) => {
    child.stdout!.on('data', (d) => {
      stdout += d;
      const m = /READY (\S+)/.exec(stdout);
      if (m) resolveReady(m[1]);
    });
    child.on('exit', () => reject(new Error(`child exited early: ${stderr}`)));
  });
  return { child, staging };
}

const exited = (child: ReturnType<typeof spawn>): Promise<unknown> => new Promise((done) => {
  if (child.exitCode !== null || child.signalCode !== null) done(null);
  else child.on('exit', done);
});

/** This process's owner record, as beginOutput writes it (read from a real staging folder). */
async function myOwner(): Promise<StagingOwner> {
  const out = await beginOutput(join(dir, 'owner-probe'), { overwrite: true });
  try {
    return JSON.parse(readFileSync(join(out.dir, OWNER_FILE), 'utf8')) as StagingOwner;
  } finally {
    await out.abort();
  }
}

/** A staging folder as another run would have left it, its heartbeat `ageMs` old. */
function plantStaging(outDir: string, suffix: string, owner: Partial<StagingOwner> | null, ageMs: number): string {
  const staging = `${outDir}.partial-${suffix}`;
  mkdirSync(staging, { recursive: true });
  writeFileSync(join(staging, 'rate.tif'), 'partial');
  const when = new Date(Date.now() - ageMs);
  if (owner) {
    writeFileSync(join(staging, OWNER_FILE), JSON.stringify({ software: 'permasar', started: when.toISOString(), ...owner }));
    utimesSync(join(staging, OWNER_FILE), when, when);
  }
  utimesSync(staging, when, when);
  return staging;
}

describe('the sweep of staging folders left by killed runs', () => {
  it('a run killed with SIGKILL mid-write leaves its staging folder; the next run removes it', async () => {
    const outDir = join(dir, 'killed', 'asc');
    const { child, staging } = await stagingChild(outDir, 'sigkill');
    expect(existsSync(join(staging, OWNER_FILE))).toBe(true);
    child.kill('SIGKILL');
    await exited(child);
    expect(existsSync(join(staging, 'rate.tif'))).toBe(true); // no handler ran
    const out = await beginOutput(outDir, { overwrite: false });
    expect(out.swept).toEqual([staging]);
    expect(existsSync(staging)).toBe(false);
    writeFileSync(join(out.dir, 'rate.tif'), 'complete');
    await out.commit();
    expect(readdirSync(join(dir, 'killed'))).toEqual(['asc']);
    expect(readdirSync(outDir)).toEqual(['rate.tif']); // the owner file is not part of the results
  });

  it('keeps the staging folder of a live run (another process writing the same output)', async () => {
    const outDir = join(dir, 'live', 'asc');
    const { child, staging } = await stagingChild(outDir, 'live');
    try {
      const out = await beginOutput(outDir, { overwrite: false });
      expect(out.swept).toEqual([]);
      expect(existsSync(join(staging, 'rate.tif'))).toBe(true);
      await out.abort();
      // Even with its heartbeat made a week old: a pid on this machine that lives is never swept
      // (a run stopped by SIGSTOP or a Slurm suspend beats no more, yet lives).
      const old = new Date(Date.now() - 7 * 24 * 3600_000);
      utimesSync(join(staging, OWNER_FILE), old, old);
      const again = await beginOutput(outDir, { overwrite: false });
      expect(again.swept).toEqual([]);
      await again.abort();
      expect(existsSync(staging)).toBe(true);
    } finally {
      child.kill('SIGTERM');
      await exited(child);
    }
    expect(existsSync(staging)).toBe(false); // its own handler removed it
  });

  it('another host on a shared file system: a fresh heartbeat is kept, one older than STALE_MS removed', async () => {
    const outDir = join(dir, 'shared', 'desc');
    const foreign = { host: 'node-b17.cluster', bootId: 'another-boot', pidNamespace: 'pid:[1]', pid: 4242, processStart: '1' };
    const fresh = plantStaging(outDir, '4242-0000aaaa', foreign, 60_000);
    const stale = plantStaging(outDir, '4242-0000bbbb', foreign, STALE_MS + 3600_000);
    // No owner file (a version before the owner files): judged by the folder's mtime alike.
    const legacyFresh = plantStaging(outDir, '999-0000cccc', null, 60_000);
    const legacyStale = plantStaging(outDir, '999-0000dddd', null, STALE_MS + 3600_000);
    const out = await beginOutput(outDir, { overwrite: false });
    expect([...out.swept].sort()).toEqual([stale, legacyStale].sort());
    await out.abort();
    for (const kept of [fresh, legacyFresh]) expect(existsSync(join(kept, 'rate.tif'))).toBe(true);
    for (const gone of [stale, legacyStale]) expect(existsSync(gone)).toBe(false);
  });

  it('this machine: a dead pid is swept at once, and a reused pid (another start time) too', async () => {
    const me = await myOwner();
    const outDir = join(dir, 'same-host', 'asc');
    // A pid that is not running: past the largest pid the kernel hands out by default.
    const dead = plantStaging(outDir, '4194304-0000aaaa', { ...me, pid: 4_194_304 }, 1000);
    const liveTwin = plantStaging(outDir, `${process.pid}-0000bbbb`, { ...me }, 1000); // this very process
    const planted = [dead, liveTwin];
    let reused: string | null = null;
    if (me.processStart !== null) {
      // Our pid, another start time: the run that had this pid before us (containers reuse pids).
      reused = plantStaging(outDir, `${process.pid}-0000cccc`, { ...me, processStart: '1' }, 1000);
      planted.push(reused);
    }
    const out = await beginOutput(outDir, { overwrite: false });
    expect([...out.swept].sort()).toEqual([dead, ...(reused ? [reused] : [])].sort());
    expect(existsSync(liveTwin)).toBe(true);
    await out.abort();
    expect(planted.filter((p) => existsSync(p))).toEqual([liveTwin]);
  });

  it('only its own names: another output\'s staging folders and a user\'s look-alike folders stay', async () => {
    const parent = join(dir, 'names');
    const outDir = join(parent, 'asc');
    const me = await myOwner();
    const other = plantStaging(join(parent, 'ascending'), '4194304-0000aaaa', { ...me, pid: 4_194_304 }, 1000);
    const users = [join(parent, 'asc.partial-backup'), join(parent, 'asc.old-2023')];
    for (const u of users) mkdirSync(u);
    const out = await beginOutput(outDir, { overwrite: false });
    expect(out.swept).toEqual([]);
    await out.abort();
    for (const kept of [other, ...users]) expect(existsSync(kept)).toBe(true);
  });

  it('an aside folder (.old-*) of a commit cut short is removed once the output is in place', async () => {
    const outDir = join(dir, 'aside', 'asc');
    mkdirSync(outDir, { recursive: true });
    const aside = `${outDir}.old-4194304-0000aaaa`;
    mkdirSync(aside);
    const out = await beginOutput(outDir, { overwrite: true });
    expect(out.swept).toEqual([aside]);
    await out.abort();
    // Without the output, the aside folder may be the only copy of the previous results: kept.
    const missing = join(dir, 'aside', 'desc');
    const keptAside = `${missing}.old-4194304-0000bbbb`;
    mkdirSync(keptAside);
    const out2 = await beginOutput(missing, { overwrite: false });
    expect(out2.swept).toEqual([]);
    await out2.abort();
    expect(existsSync(keptAside)).toBe(true);
  });

  it('the heartbeat rewrites the owner file while the run lives', async () => {
    const out = await beginOutput(join(dir, 'beat'), { overwrite: false, heartbeatMs: 20 });
    try {
      const owner = join(out.dir, OWNER_FILE);
      const old = new Date(Date.now() - 3600_000);
      utimesSync(owner, old, old);
      await new Promise((r) => setTimeout(r, 200));
      expect(Date.now() - statSync(owner).mtimeMs).toBeLessThan(60_000);
      expect(JSON.parse(readFileSync(owner, 'utf8'))).toMatchObject({ software: 'permasar', pid: process.pid });
    } finally {
      await out.abort();
    }
  });
});

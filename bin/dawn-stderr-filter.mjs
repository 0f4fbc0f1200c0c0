// Keeps dawn's adapter-probe messages off the terminal (issue 11), unless --verbose.
//
// dawn (inside the `webgpu` package) writes them from native code straight to file descriptor 2
// while it enumerates adapters: on a machine without a usable Vulkan GPU, five lines per command,
//   Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.
//    - While initializing adapter (backend=BackendType::Vulkan)
//       at InitializeImpl (/home/runner/work/node-webgpu/.../PhysicalDeviceVk.cpp:257)
//   Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 90 to 16 ...
// No JavaScript hook sees them (console and process.stderr are bypassed), dawn.node offers no
// flag or toggle that silences its logging, and Node cannot dup2 fd 2 around the probe. So the
// command runs as a child whose stderr is a pipe, and this parent passes every byte on except
// those two exact shapes of dawn message; our own lines ("permasar <command>: ..."), Node's
// warnings and any other native message (a crash report) pass untouched. The adapter in use is
// named in the result line and summary.json, so nothing is lost.
import { spawn } from 'node:child_process';

/** Streams `text` chunks through, dropping dawn's adapter-probe blocks. */
export class DawnProbeFilter {
  constructor(write) {
    this.write = write;
    this.partial = '';
    this.held = null; // a "Warning: " line waiting to see whether an adapter context follows
    this.inBlock = false;
  }

  push(chunk) {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop();
    for (const line of lines) this.line(line);
    // A line still being written passes through at once unless it could start a dawn message
    // (a progress bar redraws with '\r' and never ends its line).
    if (this.partial && !'Warning: '.startsWith(this.partial.slice(0, 9)) && !this.partial.startsWith(' ') && this.held === null && !this.inBlock) {
      this.write(this.partial);
      this.partial = '';
    }
  }

  end() {
    if (this.held !== null) this.write(this.held + '\n');
    this.held = null;
    if (this.partial) this.line(this.partial, true);
    this.partial = '';
  }

  line(line, last = false) {
    const nl = last ? '' : '\n';
    if (this.inBlock) {
      // The context lines of the block, then one blank line, belong to it.
      if (/^\s+(- While |at \S+ \()/.test(line)) return;
      this.inBlock = false;
      if (line === '') return;
    }
    if (this.held !== null) {
      const held = this.held;
      this.held = null;
      if (/^ - While initializing adapter\b/.test(line)) { this.inBlock = true; return; }
      this.write(held + '\n');
    }
    if (/^Warning: max\w+ artificially reduced from \d+ to \d+\b/.test(line)) return;
    if (line.startsWith('Warning: ') && !last) { this.held = line; return; }
    this.write(line + nl);
  }
}

/**
 * Runs this same entry point as a child with PERMASAR_STDERR_FILTERED=1 and its stderr through
 * DawnProbeFilter; resolves with the child's exit code. Signals sent to this parent go on to the
 * child (the child's handlers remove a half-written --out folder); a child killed by a signal
 * kills this parent with the same signal.
 */
export function runFiltered(entry, args) {
  return new Promise((resolve) => {
    const env = { ...process.env, PERMASAR_STDERR_FILTERED: '1' };
    // The child's stderr is a pipe; its progress bar still belongs on our terminal.
    if (process.stderr.isTTY) env.PERMASAR_STDERR_TTY = '1';
    const child = spawn(process.execPath, [...process.execArgv, entry, ...args], { stdio: ['inherit', 'inherit', 'pipe'], env });
    const filter = new DawnProbeFilter((text) => process.stderr.write(text));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => filter.push(chunk));
    const forward = (signal) => { child.kill(signal); };
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    for (const s of signals) process.on(s, forward);
    child.on('close', (code, signal) => {
      filter.end();
      for (const s of signals) process.off(s, forward);
      if (signal) process.kill(process.pid, signal);
      resolve(code ?? 1);
    });
  });
}

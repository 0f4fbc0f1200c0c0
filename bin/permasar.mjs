#!/usr/bin/env node
// Entry point of the `permasar` command: registers tsx so the TypeScript sources run as
// they are (no build step to forget), then hands over to the CLI.
// Big dependencies are loaded before tsx is registered: tsx would otherwise re-transpile
// h5wasm's multi-megabyte bundle (with its embedded WebAssembly) on every start, ~6 s.
// Without --verbose, the command runs as a child whose stderr passes through a filter that
// drops dawn's native adapter-probe messages (bin/dawn-stderr-filter.mjs).
const args = process.argv.slice(2);
if (process.env.PERMASAR_STDERR_FILTERED !== '1' && !args.includes('--verbose')) {
  const { runFiltered } = await import('./dawn-stderr-filter.mjs');
  process.exitCode = await runFiltered(new URL(import.meta.url).pathname, args);
} else {
  // Set by the filtering parent when its own stderr is a terminal (ours is its pipe).
  if (process.env.PERMASAR_STDERR_TTY === '1') process.stderr.isTTY = true;
  await import('h5wasm/node');
  await import('geotiff');
  const { register } = await import('tsx/esm/api');
  register();
  const { main } = await import('../src/cli/main.ts');
  process.exitCode = await main(args);
}

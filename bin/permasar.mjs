#!/usr/bin/env node
// Entry point of the `permasar` command: registers tsx so the TypeScript sources run as
// they are (no build step to forget), then hands over to the CLI.
// Big dependencies are loaded before tsx is registered: tsx would otherwise re-transpile
// h5wasm's multi-megabyte bundle (with its embedded WebAssembly) on every start, ~6 s.
import 'h5wasm/node';
import 'geotiff';
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));

#!/usr/bin/env node
// Runs one TypeScript file (a benchmark, the sample generator) with tsx registered.
// Big dependencies are loaded before tsx is registered: tsx would otherwise re-transpile
// h5wasm's multi-megabyte bundle (with its embedded WebAssembly) on every start, ~6 s.
import 'h5wasm/node';
import 'geotiff';
import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
register();
const [file, ...rest] = process.argv.slice(2);
process.argv = [process.argv[0], file, ...rest];
await import(pathToFileURL(path.resolve(file)).href);

#!/usr/bin/env node
// The `interleave` command. In a source checkout it runs the TypeScript command line
// (cli/interleave.ts); in the published package, the compiled one (dist/cli/interleave.js).
// Either way tsx's loader is registered in-process, so users' .ts model files load as they are.
import { existsSync } from 'node:fs';
import { URL } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const source = new URL('../cli/interleave.ts', import.meta.url);
const entry = existsSync(source) ? source : new URL('../dist/cli/interleave.js', import.meta.url);
const { start } = await import(entry.href);
await start(process.argv.slice(2));

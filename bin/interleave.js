#!/usr/bin/env node
// The `interleave` command. The command line is TypeScript (cli/interleave.ts); tsx's loader,
// registered here in-process, compiles it (and users' .ts model files) on the fly.
import { register } from 'tsx/esm/api';

register();
const { start } = await import('../cli/interleave.ts');
await start(process.argv.slice(2));

/**
 * `npm run docs:paste [-- [--check] [--force] [file.md ...]]`: re-runs every transcript
 * (`$ npx interleave ...` block) and generated block in README.md and docs/ (or in the files
 * named) and pastes the new output in place. See tools/docs.ts for what a block is.
 *
 * A block whose output changed only in times, rates or memory (see `mask`) is left as it is, so
 * a re-paste touches only what really changed; `--force` re-pastes every block. `--check`
 * writes nothing and exits 1 if any block is out of date (what spec/docs.spec.ts checks).
 * Exit codes: 0 done (or up to date), 1 out of date with --check, 2 bad arguments or a block
 * that cannot run.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, docFiles, pasteFile, shown } from './docs.js';

async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { check: { type: 'boolean' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    process.stderr.write(`docs:paste: ${(err as Error).message}\nusage: npm run docs:paste -- [--check] [--force] [file.md ...]\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write('usage: npm run docs:paste -- [--check] [--force] [file.md ...]\n  re-runs the `$ npx interleave ...` blocks of README.md and docs/**/*.md and pastes their output\n');
    return 0;
  }
  const files = positionals.length ? positionals.map((f) => shown(f)) : docFiles();
  for (const f of files) {
    if (!existsSync(resolve(ROOT, f))) {
      process.stderr.write(`docs:paste: no such file: ${f}\n`);
      return 2;
    }
  }
  let stale = 0;
  for (const file of files) {
    const path = resolve(ROOT, file);
    const before = readFileSync(path, 'utf8');
    let text: string;
    let changed: string[];
    let blocks: number;
    let tokens: number;
    try {
      ({ text, result: { changed, blocks, tokens } } = await pasteFile(file, before, { force: values.force === true }));
    } catch (err) {
      process.stderr.write(`docs:paste: ${(err as Error).message}\n`);
      return 2;
    }
    if (!blocks) continue;
    stale += changed.length + tokens;
    if (values.check) {
      for (const c of changed) process.stdout.write(`out of date: ${c}\n`);
      if (tokens) process.stdout.write(`out of date: ${file}: ${tokens} replay token(s) to update\n`);
      continue;
    }
    if (text !== before) writeFileSync(path, text);
    const what = [changed.length ? `re-pasted ${changed.map((c) => c.slice(file.length + 1)).join(', ')}` : 'up to date', ...(tokens ? [`${tokens} replay token(s) updated`] : [])];
    process.stdout.write(`${file}: ${blocks} block${blocks === 1 ? '' : 's'}, ${what.join('; ')}\n`);
  }
  if (values.check) process.stdout.write(stale ? `${stale} block(s) out of date: run npm run docs:paste\n` : 'every block is up to date\n');
  return values.check && stale ? 1 : 0;
}

process.exitCode = await run(process.argv.slice(2));

/**
 * `npm run pack:check`: the package as a user gets it. Packs the tarball (`npm pack`, whose
 * prepack builds dist/), checks what it holds (compiled JavaScript and .d.ts, no sources, no
 * specs), then follows the README's "Use it in your own project" as written in a fresh
 * temporary project: each `<!-- pack-check: file NAME -->` block is written to NAME, each
 * `<!-- pack-check: run -->` block runs line by line and must exit 0 (`npm install` takes the
 * tarball in place of the registry's `interleave-explorer`, and the registry for the rest).
 * Then it imports the API in plain Node, and type-checks the model once more with
 * `skipLibCheck` off to show that no error comes from this package's declarations.
 *
 * Exit codes: 0 all passed, 1 a check failed (the failing step and its output are printed).
 * `--keep` leaves the temporary project for inspection.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './docs.js';

const NAME = 'interleave-explorer';
const SECTION = '## Use it in your own project';

class CheckFailed extends Error {}

function fail(what: string, output = ''): never {
  throw new CheckFailed(`${what}${output ? `\n${output.trimEnd()}` : ''}`);
}

function sh(command: string, cwd: string): string {
  const r = spawnSync('sh', ['-c', `${command} 2>&1`], { cwd, encoding: 'utf8', env: { ...process.env, CI: '1', NO_COLOR: '1' }, maxBuffer: 64 << 20 });
  if (r.status !== 0) fail(`\`${command}\` exited ${r.status ?? r.signal} in ${cwd}`, r.stdout);
  return r.stdout;
}

/** The README section's steps, in order: files to write and command lines to run. */
export function sectionSteps(readme: string): Array<{ kind: 'file'; name: string; text: string } | { kind: 'run'; lines: string[] }> {
  const start = readme.indexOf(`\n${SECTION}\n`);
  if (start < 0) fail(`README.md has no section '${SECTION}'`);
  const end = readme.indexOf('\n## ', start + SECTION.length + 2);
  const lines = readme.slice(start, end < 0 ? undefined : end).split('\n');
  const steps: ReturnType<typeof sectionSteps> = [];
  for (let i = 0; i < lines.length; i++) {
    const d = /^<!--\s*pack-check:\s*(file\s+(\S+)|run)\s*-->$/.exec(lines[i] ?? '');
    if (!d) continue;
    const open = lines[i + 1] ?? '';
    if (!open.startsWith('```')) fail(`README.md: '${lines[i]}' is not followed by a fenced block`);
    const close = lines.findIndex((l, k) => k > i + 1 && l.startsWith('```'));
    const body = lines.slice(i + 2, close);
    steps.push(d[2] ? { kind: 'file', name: d[2], text: `${body.join('\n')}\n` } : { kind: 'run', lines: body.filter((l) => l.trim() && !l.startsWith('#')) });
    i = close;
  }
  if (!steps.some((s) => s.kind === 'run')) fail(`README.md: '${SECTION}' has no <!-- pack-check: run --> block`);
  return steps;
}

function checkTarball(tarball: string): void {
  const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''));
  const bad = files.filter((f) => /(^|\/)spec\/|\.spec\.|(?<!\.d)\.ts$/.test(f));
  if (bad.length) fail(`the tarball holds sources or specs: ${bad.slice(0, 10).join(', ')}${bad.length > 10 ? ', ...' : ''}`);
  for (const need of ['bin/interleave.js', 'dist/runtime/index.js', 'dist/runtime/index.d.ts', 'dist/protocols/index.js', 'dist/runtime/checkers/index.js', 'dist/cli/matchers.js', 'dist/cli/interleave.js', 'dist/scenarios/index.js', 'dist/runtime/parallel/bootstrap.mjs', 'dist/cli/supervised/bootstrap.mjs', 'dist/cli/supervised/worker.js', 'README.md']) {
    if (!files.includes(need)) fail(`the tarball has no ${need}`);
  }
  console.log(`tarball: ${files.length} files, no sources or specs`);
}

function run(keep: boolean): number {
  const work = mkdtempSync(join(tmpdir(), 'interleave-pack-'));
  const project = join(work, 'project');
  try {
    console.log('== npm pack (prepack builds dist/)');
    const packed = sh(`npm pack --pack-destination ${JSON.stringify(work)}`, ROOT);
    const tgz = packed.trim().split('\n').at(-1) ?? '';
    if (!tgz.endsWith('.tgz')) fail('npm pack printed no tarball name', packed);
    const tarball = join(work, tgz);
    checkTarball(tarball);

    sh(`mkdir -p ${JSON.stringify(project)}`, work);
    writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'my-models', private: true, type: 'module' }, null, 2)}\n`);
    for (const step of sectionSteps(readFileSync(join(ROOT, 'README.md'), 'utf8'))) {
      if (step.kind === 'file') {
        writeFileSync(join(project, step.name), step.text);
        console.log(`== wrote ${step.name}`);
        continue;
      }
      for (const line of step.lines) {
        // The README's tarball path (../interleave/interleave-explorer-<version>.tgz) becomes the tarball
        // just packed; everything else comes from the registry.
        const command = /^npm (install|i|add)\b/.test(line) ? `${line.replace(new RegExp(`(?<=\\s)\\S*${NAME}-[0-9][^\\s]*\\.tgz(?=\\s|$)`), JSON.stringify(tarball))} --no-audit --no-fund --prefer-offline` : line;
        if (/^npm (install|i|add)\b/.test(line) && !line.includes(`/${tgz} `)) fail(`README.md's install line does not name the tarball npm pack wrote (${tgz}): ${line}`);
        console.log(`== ${line}`);
        const out = sh(command, project);
        if (!/^npm /.test(line)) console.log(out.trimEnd());
      }
    }

    console.log('== the API in plain Node');
    const probe = `import('${NAME}').then(async (api) => { const p = await import('${NAME}/protocols'); const c = await import('${NAME}/checkers'); const s = await import('${NAME}/supervised'); console.log([typeof api.explore, typeof api.replay, typeof p.straightLineCpu, typeof p.lockGuard, typeof c.lockdep, typeof s.exploreSupervised].join(' ')); })`;
    const kinds = sh(`node -e ${JSON.stringify(probe)}`, project).trim();
    if (kinds !== 'function function function function function function') fail(`plain Node imports gave: ${kinds}`);
    console.log(kinds);

    console.log('== strict tsc with skipLibCheck off: no error may come from this package');
    writeFileSync(join(project, 'tsconfig.nolib.json'), `${JSON.stringify({ extends: './tsconfig.json', compilerOptions: { skipLibCheck: false } })}\n`);
    const tsc = spawnSync('sh', ['-c', 'npx tsc -p tsconfig.nolib.json 2>&1'], { cwd: project, encoding: 'utf8' });
    const ours = tsc.stdout.split('\n').filter((l) => l.includes(`node_modules/${NAME}/`));
    if (ours.length) fail(`strict tsc reports errors in ${NAME}'s declarations`, ours.join('\n'));
    const others = new Set(tsc.stdout.split('\n').map((l) => /^(node_modules\/[^/]+)\//.exec(l)?.[1]).filter(Boolean));
    console.log(others.size ? `none from ${NAME}; other packages' declarations: ${[...others].join(', ')} (skipLibCheck, as in the README, hides those)` : 'no errors at all');
    console.log('\npack check passed');
    return 0;
  } catch (err) {
    if (!(err instanceof CheckFailed)) throw err;
    console.error(`\npack check FAILED: ${err.message}`);
    return 1;
  } finally {
    if (keep) console.log(`(kept ${work})`);
    else rmSync(work, { recursive: true, force: true });
  }
}

if (fileURLToPath(import.meta.url) === resolve(process.argv[1] ?? '')) process.exitCode = run(process.argv.includes('--keep'));

/**
 * The `interleave` command as a user runs it: a child process per command, checking exit codes
 * (0 verified / as expected, 1 violation, 2 usage or model error, 3 incomplete) and what it
 * prints. Each spawn costs about half a second, so the long table of bad arguments runs
 * in-process in arguments.spec.ts; here each kind of failure is checked once end to end.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE, FIXTURES, ROOT, cli, cliAsync, npmStart } from './support.js';

const OUT = join(ROOT, 'spec/out/cli');
// A model file that does not compile is written at run time, outside the repository, so that
// lint and typecheck of the repository stay green.
const BROKEN = join(mkdtempSync(join(tmpdir(), 'interleave-cli-')), 'syntaxError.mts');

beforeAll(() => {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  writeFileSync(BROKEN, "// A model file that does not compile.\nexport default { name: 'broken', actors: [ ;\n");
});

describe.concurrent('interleave help and usage', () => {
  it('should print the commands with --help and exit 0', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    for (const c of ['list', 'explore', 'replay', 'view', 'run']) expect(r.out).toContain(`  ${c} `);
  });

  it('should print every option of explore with explore --help, including the strategies from the registry', async () => {
    const r = await cli('explore', '--help');
    expect(r.code).toBe(0);
    for (const o of ['--strategy', '--seed', '--max-states', '--max-depth', '--time-limit', '--json', '--report']) expect(r.out).toContain(o);
    expect(r.out).toMatch(/--strategy <name> +search strategy: bfs, dfs/);
    expect(r.out).toContain('seconds (30), or with a unit (500ms, 30s, 2m)');
  });

  it('should exit 2 with the usage on stderr when no command is given', async () => {
    const r = await cli();
    expect(r.code).toBe(2);
    expect(r.err).toContain('usage: interleave <command>');
  });

  it('should exit 2 with one line naming a bad option, and no stack trace', async () => {
    const r = await cli('explore', `${FIXTURES}/hostile.ts`, '--max-states', 'many');
    expect(r.code).toBe(2);
    expect(r.err).toBe("interleave explore: option --max-states must be a positive integer (states), got 'many'\nrun 'interleave explore --help' for usage\n");
    expect(r.out).toBe('');
  });
});

describe.concurrent('interleave list and run (the catalogue)', () => {
  it('should list the entries of a catalogue', async () => {
    const r = await cli('list', '--catalogue', CATALOGUE);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/^key +scenario +variant +config +expected +title$/);
    expect(r.out).toMatch(/DP\/buggy\/3 +DP +buggy +3 philosophers +deadlock/);
  });

  it('should run the catalogue, print the table and the summary last, and exit 0 when every verdict is as expected', async () => {
    const r = await cli('run', '--catalogue', CATALOGUE);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^scenario +variant +config +expected +verdict +as expected +states +transitions +time \(ms\) +cex length +replay token$/);
    expect(r.out).toMatch(/DP +buggy +3 philosophers +deadlock +deadlock +yes +464 +987 +[0-9.]+ +12 +il2_\S+/);
    expect(r.out).toMatch(/DP +fixed +3 philosophers +verified +verified +yes +607 +1,368 +[0-9.]+ +- +-/);
    // The traces are behind --traces: the screen ends with the table and the summary.
    expect(r.out).not.toContain('== DP/buggy/3');
    expect(lines.at(-3)).toBe('1 violation found: for each one\'s report, trace and replay command, add --traces, or write them with --report <file> (.txt text, .html viewer, .json)');
    expect(lines.at(-1)).toBe('2 of 2 entries as expected');
  });

  it('should print each violation\'s report and trace before the table with --traces', async () => {
    const r = await cli('run', '--catalogue', CATALOGUE, '--traces');
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toBe('== DP/buggy/3 (dining philosophers with ticket-spinlock forks) ==');
    expect(r.out).toMatch(/phil0 +waitSecond +fork1 +phil1 \(guarded by fork1\)/);
    const replay = lines.findIndex((l) => l.startsWith('replay: npx interleave replay DP/buggy/3@il2_'));
    const header = lines.findIndex((l) => l.startsWith('scenario  variant'));
    expect(replay).toBeGreaterThan(0);
    expect(header).toBeGreaterThan(replay);
    expect(lines.at(-1)).toBe('2 of 2 entries as expected');
    expect(r.out).not.toContain('add --traces');
  });

  it('should exit 1 and name the entry when a verdict is not as expected', async () => {
    const r = await cli('run', '--catalogue', `${FIXTURES}/catalogueMismatch.ts`, '--report', 'spec/out/cli/junit.xml');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/WRONG +fixed +2 philosophers +verified +deadlock +NO/);
    expect(r.out).toContain('2 of 3 entries as expected; not as expected: WRONG/fixed/2');
    const xml = readFileSync(join(OUT, 'junit.xml'), 'utf8');
    expect(xml.match(/<testcase /g)).toHaveLength(3);
    expect(xml).toContain('failures="1"');
    expect(xml).toMatch(/<testcase classname="interleave.WRONG" name="WRONG\/fixed\/2: expect verified" time="[0-9.]+">\n +<failure type="violation" message="deadlock: /);
  });

  it('should select entries with --scenario, by id or key', async () => {
    const r = await cli('run', '--catalogue', CATALOGUE, '--scenario', 'DP/fixed/3', '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.schemaVersion).toBe(1);
    expect(report.runs.map((x: { key: string }) => x.key)).toEqual(['DP/fixed/3']);
    expect(report.summary).toEqual({ runs: 1, violations: 0, asExpected: 1, notAsExpected: 0, exitCode: 0 });
  });

  it('should exit 2 for an unknown --scenario, listing the ids', async () => {
    const r = await cli('run', '--catalogue', CATALOGUE, '--scenario', 'C99');
    expect(r.code).toBe(2);
    expect(r.err).toContain("interleave run: --scenario: no scenario 'C99' in the catalogue; ids are DP");
  });

  it('should run the built-in catalogue as npm start, with C1 buggy = assertion and C1 fixed = verified', async () => {
    const r = await npmStart('--scenario', 'C1', '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    const byKey = Object.fromEntries(report.runs.map((x: { key: string }) => [x.key, x]));
    expect(byKey['C1/buggy/2g'].violations[0].kind).toBe('assertion');
    expect(byKey['C1/fixed/2g'].verdict).toBe('verified');
    expect(report.runs.every((x: { asExpected: boolean }) => x.asExpected)).toBe(true);
  });
});

describe.concurrent('interleave explore', () => {
  it('should find the deadlock of a catalogue entry and exit 1', async () => {
    const r = await cli('explore', 'DP/buggy/3', '--catalogue', CATALOGUE);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^DP\/buggy\/3: violation: deadlock \(464 states, 987 transitions, max depth 12, \d+ ms, strategy bfs; checkers: deadlock, assertions\); expected deadlock violation: as expected$/m);
    expect(r.out).toContain('counterexample: 12 steps');
  });

  it('should print the sentence, the report and the replay command but not the step table with --no-trace', async () => {
    const [full, brief] = await Promise.all([cli('explore', 'DP/buggy/3', '--catalogue', CATALOGUE), cli('explore', 'DP/buggy/3', '--catalogue', CATALOGUE, '--no-trace')]);
    expect(brief.code).toBe(1);
    const trimmed = (out: string) => out.replace(/\d+ ms/g, 'T ms');
    // The same text with the step table (from 'legend:' to the '!' line) replaced by one line.
    expect(trimmed(full.out)).toContain('step |');
    expect(trimmed(brief.out)).not.toContain('step |');
    expect(trimmed(brief.out)).toContain('counterexample: 12 steps (--no-trace: the replay command prints them)');
    const replayLine = (out: string) => out.split('\n').find((l) => l.startsWith('replay: '));
    expect(replayLine(brief.out)).toBe(replayLine(full.out));
    expect(trimmed(full.out).startsWith(trimmed(brief.out).split('\n\ncounterexample:')[0] as string)).toBe(true);
    const json = await cli('explore', 'DP/buggy/3', '--catalogue', CATALOGUE, '--no-trace', '--json');
    expect(json.code).toBe(2);
    expect(json.err).toContain('option --no-trace does not apply to --json');
  });

  it('should verify a fixed model file with dfs and exit 0', async () => {
    const r = await cli('explore', 'examples/twoCpuLockFixed.ts', '--strategy', 'dfs');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^examples\/twoCpuLockFixed.ts: verified: every reachable state explored, no violation \(123 states, 210 transitions, max depth 18, \d+ ms, strategy dfs; checkers: deadlock, assertions\)$/m);
  });

  it('should write a JSON report that view turns into one HTML file', async () => {
    const json = 'spec/out/cli/twoCpuLock.json';
    const r = await cli('explore', 'examples/twoCpuLock.ts', '--report', json);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`wrote ${json}`);
    const report = JSON.parse(readFileSync(join(ROOT, json), 'utf8'));
    expect(report.runs[0].violations[0].trace.steps).toHaveLength(9);
    const v = await cli('view', json, '-o', 'spec/out/cli/twoCpuLock.html');
    expect(v.code).toBe(0);
    expect(v.out).toBe('wrote spec/out/cli/twoCpuLock.html: 1 counterexample from 1 run\n');
    const html = readFileSync(join(OUT, 'twoCpuLock.html'), 'utf8');
    expect(html).not.toMatch(/<(link|img|iframe)\b|src=|https?:\/\//);
  });

  it('should say which bound tripped and exit 3 when the search is incomplete', async () => {
    const r = await cli('explore', `${FIXTURES}/big.ts`, '--max-states', '2000');
    expect(r.code).toBe(3);
    expect(r.out).toContain('incomplete: bound maxStates = 2,000 tripped; nothing is proven');
    expect(r.out).toContain('bound maxStates (2,000) tripped: the state space is larger than the bound');
  });

  it('should stop cleanly on Ctrl-C and print the partial result (exit 3)', async () => {
    let sent = false;
    const r = await cliAsync(['explore', `${FIXTURES}/big.ts`], (err, child) => {
      if (!sent && err.includes('Ctrl-C stops')) {
        sent = true;
        setTimeout(() => child.kill('SIGINT'), 700);
      }
    });
    expect(r.code).toBe(3);
    expect(r.err).toContain('interrupted: stopping the search');
    expect(r.out).toMatch(/^spec\/cli\/fixtures\/big.ts: incomplete: interrupted \(Ctrl-C\) before the search ended; nothing is proven \([0-9,]+ states/m);
  });
});

describe.concurrent('interleave replay', () => {
  it('should replay a token from a report to the same deadlock (exit 1)', async () => {
    const token = 'il2_AgNygl4xAQjGvhlpAAP2AQbEAgSHAAWUAgSHAQYCAgSHAgSHEP0n6Q';
    const r = await cli('replay', `examples/twoCpuLock.ts@${token}`);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`replaying ${token} (8 steps) on examples/twoCpuLock.ts (system 'two-cpu-lock')`);
    expect(r.out).toContain("! deadlock: no actor can take a step, and 'cpu0' waits for vgic.lock (held by cpu1)");
    expect(r.err).toBe('');
  });

  it('should still replay a version 1 token of an older report, with a note that it has no digests', async () => {
    const token = 'il1_AQNygl4xCAADAQYCBAAFAgQBBgIEAgQ';
    const r = await cli('replay', `examples/twoCpuLock.ts@${token}`);
    expect(r.code).toBe(1);
    expect(r.out).toContain("! deadlock: no actor can take a step, and 'cpu0' waits for vgic.lock (held by cpu1)");
    expect(r.err).toContain('note: this is a version 1 token (il1_): it has no step digests and no checksum');
  });

  it('should name the step where a fixed model diverges from an old token', async () => {
    const r = await cli('replay', 'examples/twoCpuLockFixed.ts', 'il2_AgNygl4xAQjGvhlpAAP2AQbEAgSHAAWUAgSHAQYCAgSHAgSHEP0n6Q');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/replay diverged at step \d+: /);
  });

  it('should exit 2 for a malformed token', async () => {
    const r = await cli('replay', 'examples/twoCpuLock.ts@il2_!!');
    expect(r.code).toBe(2);
    expect(r.err).toBe("interleave replay: replay token 'il2_!!' is corrupt: character 1 after the prefix, '!', is not base64url (A-Z a-z 0-9 - _); it was changed, cut or mistyped in copying: copy it again from the report (or run explore again)\n");
  });
});

describe.concurrent('user model files that cannot be loaded', () => {
  const cases: Array<[string, RegExp]> = [
    ['missing.ts', /^interleave explore: model file spec\/cli\/fixtures\/missing.ts does not exist$/],
    ['noExport.ts', /^interleave explore: model file spec\/cli\/fixtures\/noExport.ts exports no system: export it as the default export or as 'system' \(it exports helper, notASystem\)$/],
    ['notASystem.ts', /^interleave explore: model file spec\/cli\/fixtures\/notASystem.ts: export 'default' is not a system \(\{ name, actors: \[...\] \}, a SystemSpec\): its 'actors' is undefined \(its keys are name, actor\); it must be an array of \{ name, machine \}$/],
    ['duplicateActors.ts', /^interleave explore: model file spec\/cli\/fixtures\/duplicateActors.ts: system 'twins': duplicate actor name 'cpu' \(actors #0 and #1\)$/],
    [BROKEN, /^interleave explore: model file \S+\/syntaxError.mts does not compile: \S+\/syntaxError\.m?ts:2:\d+: ERROR: Unexpected ";"$/],
    ['throws.ts', /^interleave explore: model file spec\/cli\/fixtures\/throws.ts failed to load: the model file blew up on purpose$/],
  ];
  for (const [file, expected] of cases) {
    it(`should exit 2 with one line for ${file.replace(/^.*\//, '')}`, async () => {
      const r = await cli('explore', file.startsWith('/') ? file : `${FIXTURES}/${file}`);
      expect(r.code).toBe(2);
      expect(r.err.trimEnd()).toMatch(expected);
      expect(r.err).not.toMatch(/\n\s+at /);
    });
  }
});

describe.concurrent('interleave view with bad input', () => {
  it('should exit 2 when the report is not an interleave report', async () => {
    const r = await cli('view', 'package.json');
    expect(r.code).toBe(2);
    expect(r.err).toBe("interleave view: report package.json cannot be viewed: it has no 'schemaVersion': it is not an interleave report (write one with --report out.json or --json)\n");
    expect(existsSync(join(ROOT, 'package.html'))).toBe(false);
  });
});

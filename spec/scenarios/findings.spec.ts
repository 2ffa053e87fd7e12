/**
 * The upstream findings (scenarios/findings.ts, docs/findings/): every page replays its
 * counterexample and verifies its proposed fix with commands that work as written, the replay
 * token is the catalogue's current shortest counterexample, and `npm start`'s closing lines
 * take each finding's status from the run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explore } from '../../runtime/index.js';
import { catalogue, findEntry } from '../../scenarios/index.js';
import { findingStatus, findingsText, upstreamFindings, type EntryOutcome } from '../../scenarios/findings.js';
import { ROOT, findBlocks, runCommand } from '../../tools/docs.js';

const pages = [...new Set(upstreamFindings.map((f) => f.file))];
const commandsOf = (file: string): string[] =>
  findBlocks(file, readFileSync(join(ROOT, file), 'utf8')).flatMap((b) => (b.kind === 'transcript' ? b.commands : []));

/** The violation BFS reports first for a catalogue entry, as the command line runs it. */
function shortest(key: string) {
  const e = findEntry(key);
  const result = explore(e.build(), e.explore);
  const v = result.violations.find((x) => e.expected.verdict === 'violation' && x.kind === e.expected.kind) ?? result.violations[0];
  if (!v) throw new Error(`${key}: no violation`);
  return v;
}

describe('upstream findings: the registry', () => {
  it('should name catalogue entries and a page that exists, and list every page in docs/findings/README.md', () => {
    const keys = new Set(catalogue.map((e) => e.key));
    const index = readFileSync(join(ROOT, 'docs/findings/README.md'), 'utf8');
    for (const f of upstreamFindings) {
      for (const k of [...f.upstream, ...f.fix]) expect(keys.has(k), `${f.id}: ${k}`).toBe(true);
      expect(existsSync(join(ROOT, f.file)), f.file).toBe(true);
      expect(index, f.file).toContain(`](${f.file.replace('docs/findings/', '')})`);
      for (const k of f.fix) expect(findEntry(k).source, k).toMatch(/^PROPOSED/);
    }
  });

  it('should take each status from the verdicts of the run, never from the registry', () => {
    const f = { id: 'X', title: 't', file: 'f.md', upstream: ['X/buggy/a', 'X/buggy/b'], fix: ['X/fixed/a'] };
    const run = (a: string, b: string, fix = 'verified'): EntryOutcome[] => [
      { key: 'X/buggy/a', verdict: a, asExpected: true },
      { key: 'X/buggy/b', verdict: b, asExpected: true },
      { key: 'X/fixed/a', verdict: fix, asExpected: fix === 'verified' },
    ];
    expect(findingStatus(f, run('violation', 'violation'))).toBe('confirmed upstream');
    expect(findingStatus(f, run('verified', 'verified'))).toBe('cannot happen upstream');
    expect(findingStatus(f, run('violation', 'verified'))).toBe('not settled by this run (see the table)');
    expect(findingStatus(f, run('violation', 'violation', 'violation'))).toBe('confirmed upstream (proposed fix NOT verified)');
    expect(findingStatus(f, run('violation', 'violation').slice(1))).toBeNull();
    expect(findingsText([])).toEqual([]);
  });

  it('should end npm start with one line per finding whose entries ran, naming its page', () => {
    const outcomes: EntryOutcome[] = catalogue.map((e) => ({ key: e.key, verdict: e.expected.verdict, asExpected: true }));
    const lines = findingsText(outcomes);
    expect(lines).toHaveLength(upstreamFindings.length + 1);
    for (const f of upstreamFindings) expect(lines.some((l) => l.includes(f.file) && l.includes(f.title)), f.title).toBe(true);
    expect(lines.filter((l) => l.includes('cannot happen upstream'))).toHaveLength(1);
    expect(lines.filter((l) => / confirmed upstream /.test(l))).toHaveLength(upstreamFindings.length - 1);
  });
});

describe('upstream findings: every page reproduces its trace and verifies its fix as written', () => {
  for (const page of pages) {
    const findings = upstreamFindings.filter((f) => f.file === page);
    const commands = commandsOf(page);

    it(`${page}: should replay the current shortest counterexample of its upstream entries, ending in the same violation`, async () => {
      const replays = commands.filter((c) => c.startsWith('npx interleave replay '));
      const wanted = findings.flatMap((f) => f.upstream).filter((k) => findEntry(k).expected.verdict === 'violation');
      expect(replays.length, `${page} has no replay command`).toBeGreaterThan(wanted.length ? 0 : -1);
      for (const command of replays) {
        const [key, token] = command.slice('npx interleave replay '.length).split('@') as [string, string];
        expect(wanted, `${page}: ${key} is not one of the finding's upstream entries`).toContain(key);
        const v = shortest(key);
        expect(token, `${page}: the token of ${key} is stale; the shortest counterexample is now ${key}@${v.token}`).toBe(v.token);
        const ran = await runCommand(command);
        expect(ran.code, `${command}\n${ran.output}`).toBe(1);
        expect(ran.output).toContain(v.message);
        expect(ran.output).toMatch(new RegExp(`^ *!?${v.path.length} \\|`, 'm'));
      }
    });

    it(`${page}: should verify each proposed fix, and show upstream verified where the finding says it cannot happen`, async () => {
      const explores = commands.filter((c) => c.startsWith('npx interleave explore '));
      const keys = explores.map((c) => c.slice('npx interleave explore '.length).trim());
      for (const f of findings) {
        for (const k of f.fix) expect(keys, `${page} does not run ${k}`).toContain(k);
        if (!f.fix.length) for (const k of f.upstream) expect(keys, `${page} does not run ${k}`).toContain(k);
      }
      for (const command of explores) {
        const ran = await runCommand(command);
        expect(ran.code, `${command}\n${ran.output}`).toBe(0);
        expect(ran.output).toContain('verified');
      }
    });
  }
});

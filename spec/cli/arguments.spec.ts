/**
 * Every bad argument the command line supports, and the one line it gets. Run in-process
 * through `main()` (the code path of the real command, minus process start-up); cli.spec.ts
 * checks the same errors end to end as child processes, once per kind.
 */
import { describe, expect, it } from 'vitest';
import { STRATEGY_NAMES } from '../../runtime/strategies/index.js';
import { CATALOGUE, FIXTURES, inProcess } from './support.js';

const MODEL = `${FIXTURES}/hostile.ts`;
const TOKEN = 'il2_AgNygl4xAQjGvhlpAAP2AQbEAgSHAAWUAgSHAQYCAgSHAgSHEP0n6Q';

/** argv, and the exact first line of stderr. */
const BAD: Array<[string[], string]> = [
  [['frob'], "interleave: unknown command 'frob'; commands are list, explore, replay, view, run"],
  [['--frob'], "interleave: unknown option '--frob' before the command; commands are list, explore, replay, view, run"],
  [['explore'], "interleave explore: missing <scenario-key|model file>: a catalogue key (see 'interleave list') or a .ts/.js file exporting a system"],
  [['explore', MODEL, 'extra'], "interleave explore: unexpected argument 'extra' (after <scenario-key|model file>)"],
  [['explore', MODEL, '--frob'], "interleave explore: unknown option '--frob'; the options of 'explore' are --strategy, --seed, --max-states, --max-depth, --max-violations, --time-limit, --workers, --json, --report, --catalogue, --help"],
  [['explore', MODEL, '--strategy', 'astar'], `interleave explore: option --strategy must be one of ${STRATEGY_NAMES.join(', ')}, got 'astar'`],
  [['explore', MODEL, '--strategy'], 'interleave explore: option --strategy needs a value: --strategy <name>'],
  [['explore', MODEL, '--strategy', '--json'], 'interleave explore: option --strategy needs a value: --strategy <name>'],
  [['explore', MODEL, '--seed', '-1'], "interleave explore: option --seed must be an integer from 0 to 4294967295, got '-1'"],
  [['explore', MODEL, '--seed', '4294967296'], "interleave explore: option --seed must be an integer from 0 to 4294967295, got '4294967296'"],
  [['explore', MODEL, '--max-states', '0'], "interleave explore: option --max-states must be a positive integer (states), got '0'"],
  [['explore', MODEL, '--max-states', '1e6'], "interleave explore: option --max-states must be a positive integer (states), got '1e6'"],
  [['explore', MODEL, '--workers', '0'], "interleave explore: option --workers must be a positive integer (worker threads), got '0'"],
  [['explore', MODEL, '--workers', '1.5'], "interleave explore: option --workers must be a positive integer (worker threads), got '1.5'"],
  [['explore', MODEL, '--workers', '2', '--strategy', 'dfs'], 'interleave explore: option --workers 2 runs a parallel breadth-first search; it does not combine with --strategy dfs (use bfs)'],
  [['explore', MODEL, '--max-depth', '-3'], "interleave explore: option --max-depth must be a positive integer (steps), got '-3'"],
  [['explore', MODEL, '--max-violations', '2.5'], "interleave explore: option --max-violations must be a positive integer (violations), got '2.5'"],
  [['explore', MODEL, '--time-limit', '5h'], "interleave explore: option --time-limit must be a positive duration in seconds (30), or with a unit (500ms, 30s, 2m), got '5h'"],
  [['explore', MODEL, '--time-limit', '0'], "interleave explore: option --time-limit must be a positive duration in seconds (30), or with a unit (500ms, 30s, 2m), got '0'"],
  [['explore', MODEL, '--report', 'out.pdf'], "interleave explore: option --report: cannot tell the format of 'out.pdf' from its extension; use .json, .txt, .md (Mermaid), .xml (JUnit) or .html (viewer)"],
  [['explore', MODEL, '--json=yes'], "interleave explore: option --json takes no value, got 'yes'"],
  [['explore', MODEL, '--json', '--json'], 'interleave explore: option --json is given twice'],
  [['explore', MODEL, '--max-states=10', '--max-states=20'], 'interleave explore: option --max-states is given twice'],
  [['explore', 'C99/buggy/2g', '--catalogue', CATALOGUE], "interleave explore: scenario: no scenario 'C99/buggy/2g' in the catalogue; ids are DP (run 'interleave list' for the keys)"],
  [['explore', 'DP', '--catalogue', CATALOGUE], "interleave explore: scenario 'DP' names 2 catalogue entries; pick one key: DP/buggy/3, DP/fixed/3"],
  [['explore', 'DP/buggy/3', '--catalogue', `${FIXTURES}/nope.ts`], `interleave explore: catalogue ${FIXTURES}/nope.ts does not exist`],
  [['explore', 'DP/buggy/3', '--catalogue', `${FIXTURES}/noExport.ts`], `interleave explore: catalogue ${FIXTURES}/noExport.ts has no 'catalogue' export that is an array of entries`],
  [['explore', `${FIXTURES}`], `interleave explore: model file ${FIXTURES} is not a file`],
  [['replay'], 'interleave replay: missing <target@token>: e.g. C1/buggy/2g@il2_Ag... or ./my-model.ts@il2_Ag... (as reports print it)'],
  [['replay', 'examples/twoCpuLock.ts'], 'interleave replay: missing token: write <target>@<token> (e.g. C1/buggy/2g@il2_...) or give the token as a second argument'],
  [['replay', `@${TOKEN}`], `interleave replay: missing target before '@${TOKEN}': name a catalogue key or a model file`],
  [['replay', 'examples/twoCpuLock.ts@'], "interleave replay: missing token after 'examples/twoCpuLock.ts@'"],
  [['replay', 'examples/twoCpuLock.ts@xyz'], "interleave replay: replay token 'xyz' is malformed: it should start with 'il2_'"],
  [['replay', `DP/buggy/3@${TOKEN}`, '--catalogue', CATALOGUE], "interleave replay: replay token was recorded on a system of 3 actors; 'dining-philosophers-3' has 6 (phil0, phil1, phil2, fork0, fork1, fork2)"],
  [['view'], 'interleave view: missing <report.json>: a report written by explore/run with --report <file>.json or --json'],
  [['view', 'nope.json'], 'interleave view: report nope.json does not exist'],
  [['view', `${FIXTURES}/notJson.json`], `interleave view: report ${FIXTURES}/notJson.json is not JSON: Unexpected token 'o', "not json" is not valid JSON`],
  [['view', 'package.json', '-o', 'out.txt'], "interleave view: option --output must name an .html file, got 'out.txt'"],
  [['view', `${FIXTURES}/schema2.json`], `interleave view: report ${FIXTURES}/schema2.json cannot be viewed: its schemaVersion is 2; this interleave reads version 1`],
  [['list', 'extra'], "interleave list: 'list' takes no arguments, got 'extra'"],
  [['run', '--scenario'], 'interleave run: option --scenario needs a value: --scenario <id|key>'],
  [['run', '--catalogue', CATALOGUE, '--scenario', 'XX'], "interleave run: --scenario: no scenario 'XX' in the catalogue; ids are DP (run 'interleave list' for the keys)"],
];

describe('bad arguments', () => {
  for (const [argv, line] of BAD) {
    it(`should exit 2 for: interleave ${argv.join(' ')}`, async () => {
      const r = await inProcess(...argv);
      expect(r.code).toBe(2);
      expect(r.err.split('\n')[0]).toBe(line);
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(r.out).toBe('');
    });
  }

  it('should point to the command help after a usage error, but not after a model error', async () => {
    expect((await inProcess('explore', MODEL, '--seed', 'x')).err).toContain("run 'interleave explore --help' for usage");
    expect((await inProcess('explore', `${FIXTURES}/throws.ts`)).err).not.toContain('--help');
  });

  it('should accept durations with units, and say that --seed does nothing for bfs', async () => {
    const r = await inProcess('explore', MODEL, '--time-limit', '1500ms', '--seed', '7', '--max-states=100000');
    expect(r.code).toBe(1);
    expect(r.err).toContain('note: --seed has no effect with --strategy bfs; it seeds randomised strategies');
  });
});

/**
 * The regression table of hostile inputs (issue 13), as SPIN's regression suite lists each test
 * with its expected result: every row is one thing a user might give interleave (a bad number,
 * a conflicting option, a model that breaks a rule, a damaged token, a report that is not one,
 * text meant to fool a terminal or a browser), with the exit code and the words it must get.
 * hostile.spec.ts runs every row and also checks, for each, that there is no stack trace, no
 * internal-bug report, and no raw control character in what was printed.
 *
 * Most rows run in-process through the command line's `main()`; rows that need a real process
 * (Ctrl-C, npm, a transition that never returns, a heap limit) say `run`. A row whose `model`
 * is set runs on that source, written to spec/out/hostile/ (after the prelude below if it is
 * TypeScript) and named
 * `$M` in its argv. Rows marked `waitsFor` need the search loop of issue 9 and are listed as
 * to-do until it lands.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { FIXTURES, ROOT } from './support.js';

export type Kind =
  | 'number'
  | 'option'
  | 'workers'
  | 'model file'
  | 'context'
  | 'xstate feature'
  | 'callback'
  | 'violation'
  | 'scale'
  | 'token'
  | 'replay'
  | 'view'
  | 'escaping'
  | 'json'
  | 'ctrl-c'
  | 'hang'
  | 'memory'
  | 'nondeterminism'
  | 'actor start';

export interface Row {
  kind: Kind;
  /** The hostile input, in a few words. */
  what: string;
  /** The command line after `interleave`; `$M` is the row's model file, `$T{name}` a token (see TOKENS). */
  argv: readonly string[];
  /** The exit code: 0 verified / as expected, 1 violation, 2 usage or model error, 3 incomplete. */
  code: 0 | 1 | 2 | 3;
  /** Words the output must contain: stderr for exit 2, else stdout (unless `in` says). */
  says: string | RegExp;
  in?: 'out' | 'err';
  /** A model file's source (after PRELUDE); its extension, `ts` unless given. */
  model?: string;
  ext?: 'ts' | 'js' | 'mjs' | 'json';
  /** In-process: abort the Io's signal (Ctrl-C) this long after the start. */
  abortAfterMs?: number;
  /** Needs a real process: the bin, `npm start` or `npx interleave`; `sigintAfter` sends Ctrl-C when stderr shows it. */
  run?: 'bin' | 'npm' | 'npx';
  sigintAfter?: string;
  /** Options for node itself (a small heap), for `run: 'bin'`. */
  node?: readonly string[];
  /** How long after `sigintAfter` shows to send it (default 700 ms). */
  sigintDelayMs?: number;
  /** Extra checks on what ran. */
  check?: (r: { code: number | null; out: string; err: string }) => void;
  /** Exit 2 after the result was printed (a report that could not be written): stdout has it. */
  resultBeforeError?: boolean;
  /** Not yet: needs this to land first. */
  waitsFor?: string;
}

/** Prepended to every row's model source (the files live in spec/out/hostile/). */
export const PRELUDE = `
import { createMachine, assign, raise, sendTo, sendParent, cancel, spawnChild, stopChild, setup } from 'xstate';
import { send, reply, assertThat } from '../../../runtime/index.js';
import { twoCpus } from '../../../examples/twoCpuLock.js';
// One actor 'a' that gets one 'go' from the environment.
const one = (states: any, extra: any = {}) => ({
  name: 'hostile',
  actors: [{ name: 'a', machine: createMachine({ id: 'a', initial: 'i', context: extra.context ?? {}, states }), ...extra.actor }],
  initialMessages: [{ to: 'a', event: { type: 'go' } }],
  ...extra.system,
});
const done = { type: 'final' };
// The two-CPU ABBA deadlock with a change to its lock actor or system.
const abba = (change: (s: any) => void) => { const s: any = twoCpus('abba', ['vgic.lock', 'd.lock']); change(s); return s; };
void assign; void raise; void sendTo; void sendParent; void cancel; void spawnChild; void stopChild; void setup; void send; void reply; void assertThat; void done; void abba; void one;
`;

const M = 'examples/twoCpuLock.ts';
const FIXED = 'examples/twoCpuLockFixed.ts';
const CAT = `${FIXTURES}/catalogue.ts`;
const CORES = availableParallelism();

/** A ping model: `a` sends `b` a message of type `t` on 'go'; `b` asserts on it. */
export const pingModel = (t: string): string => `
export default {
  name: 'ping',
  actors: [
    { name: 'a', machine: createMachine({ id: 'a', initial: 'i', states: { i: { on: { go: { target: 'd', actions: send('b', { type: '${t}' }) } } }, d: done } }) },
    { name: 'b', machine: createMachine({ id: 'b', initial: 'i', states: { i: { on: { '${t}': { target: 'd', actions: assertThat(() => false, 'b got ${t}') } } }, d: done } }) },
  ],
  initialMessages: [{ to: 'a', event: { type: 'go' } }],
};`;

/**
 * Two actors that share a module-level object (hostile tester 2, F2): `a`'s assign writes it and
 * `b`'s guard reads it; `first` is the actor listed first.
 */
const MODSTATE = (first: 'a' | 'b'): string => `
const shared = { x: 0 };
const a = createMachine({ id: 'a', initial: 'i', states: { i: { on: { go: { target: 'd', actions: assign(({ context }: any) => { shared.x = 1; return context; }) } } }, d: done } });
const b = createMachine({ id: 'b', initial: 'i', states: { i: { on: { go: [{ guard: () => shared.x === 1, target: 'd', actions: assertThat(() => false, "b saw a's write") }, { target: 'd' }] } }, d: done } });
const actors = [{ name: 'a', machine: a }, { name: 'b', machine: b }];
export default { name: 'modstate', actors: ${first === 'a' ? 'actors' : 'actors.reverse()'}, initialMessages: [{ to: 'a', event: { type: 'go' } }, { to: 'b', event: { type: 'go' } }] };`;

/** `a` sends `b` a request with fields of its own named `frame` and `toFrame`; `b` replies; each checks what it got. */
const USER_FRAME = `
const a = createMachine({ id: 'a', initial: 'i', states: { i: { on: { go: { target: 'w', actions: send('b', { type: 'req', frame: 'eth0', toFrame: 'lan' }) } } }, w: { on: { ans: { target: 'd', actions: assertThat(({ event }: any) => event.toFrame === undefined && event.frame === undefined, 'no toFrame on the answer') } } }, d: done } });
const b = createMachine({ id: 'b', initial: 'i', states: { i: { on: { req: { target: 'd', actions: [assertThat(({ event }: any) => event.frame === 'eth0' && event.toFrame === 'lan', 'the request keeps its fields'), reply({ type: 'ans' })] } } }, d: done } });
export default { name: 'userframe', actors: [{ name: 'a', machine: a }, { name: 'b', machine: b }], initialMessages: [{ to: 'a', event: { type: 'go' } }] };`;

/** A catalogue module whose entries are `entries` (source text), each spreading `entry`: the ABBA deadlock, expected. */
const CATALOGUE = (entries: string): string => `
const entry = { id: 'X', variant: 'buggy', config: 'c', title: 't', source: 's', build: () => abba(() => {}), expected: { verdict: 'violation', kind: 'deadlock' } };
export const catalogue: any[] = [${entries}];`;

const usage = (command: string): string => `run 'interleave ${command} --help' for usage`;

export const ROWS: Row[] = [
  // ---- bad numbers (held before issue 13, except the 23-digit bound) ----
  { kind: 'number', what: 'zero states', argv: ['explore', M, '--max-states', '0'], code: 2, says: "option --max-states must be a positive integer (states), got '0'" },
  { kind: 'number', what: 'negative states', argv: ['explore', M, '--max-states', '-1'], code: 2, says: "option --max-states must be a positive integer (states), got '-1'" },
  { kind: 'number', what: 'exponent notation', argv: ['explore', M, '--max-states', '1e6'], code: 2, says: "option --max-states must be a positive integer (states), got '1e6'" },
  { kind: 'number', what: 'a fraction', argv: ['explore', M, '--max-states', '1.5'], code: 2, says: "got '1.5'" },
  { kind: 'number', what: 'a word', argv: ['explore', M, '--max-states', 'many'], code: 2, says: "option --max-states must be a positive integer (states), got 'many'" },
  { kind: 'number', what: 'hexadecimal', argv: ['explore', M, '--max-states', '0x10'], code: 2, says: "got '0x10'" },
  { kind: 'number', what: 'a leading space', argv: ['explore', M, '--max-states', ' 10'], code: 2, says: "got ' 10'" },
  { kind: 'number', what: 'an empty value', argv: ['explore', M, '--max-states='], code: 2, says: 'option --max-states needs a value: --max-states <n>' },
  { kind: 'number', what: 'a 23-digit bound', argv: ['explore', M, '--max-states', '12345678901234567890123'], code: 2, says: "option --max-states is too large: at most 9,007,199,254,740,991 (states), got '12345678901234567890123'" },
  { kind: 'number', what: 'a 20-digit depth', argv: ['explore', M, '--max-depth', '99999999999999999999'], code: 2, says: 'option --max-depth is too large' },
  { kind: 'number', what: 'zero depth', argv: ['explore', M, '--max-depth', '0'], code: 2, says: "option --max-depth must be a positive integer (steps), got '0'" },
  { kind: 'number', what: 'negative depth', argv: ['explore', M, '--max-depth', '-3'], code: 2, says: "option --max-depth must be a positive integer (steps), got '-3'" },
  { kind: 'number', what: 'fractional violations', argv: ['explore', M, '--max-violations', '2.5'], code: 2, says: "option --max-violations must be a positive integer (violations), got '2.5'" },
  { kind: 'number', what: 'zero violations', argv: ['explore', M, '--max-violations', '0'], code: 2, says: "got '0'" },
  { kind: 'number', what: 'negative seed', argv: ['explore', M, '--seed', '-1'], code: 2, says: "option --seed must be an integer from 0 to 4294967295, got '-1'" },
  { kind: 'number', what: 'seed 2^32', argv: ['explore', M, '--seed', '4294967296'], code: 2, says: "option --seed must be an integer from 0 to 4294967295, got '4294967296'" },
  { kind: 'number', what: 'a word for a seed', argv: ['explore', M, '--seed', 'x'], code: 2, says: "got 'x'" },
  { kind: 'number', what: 'a fractional seed', argv: ['explore', M, '--seed', '1.5'], code: 2, says: "got '1.5'" },
  { kind: 'number', what: 'hours', argv: ['explore', M, '--time-limit', '5h'], code: 2, says: "option --time-limit must be a positive duration in seconds (30), or with a unit (500ms, 30s, 2m), got '5h'" },
  { kind: 'number', what: 'zero time', argv: ['explore', M, '--time-limit', '0'], code: 2, says: "got '0'" },
  { kind: 'number', what: 'negative time', argv: ['explore', M, '--time-limit', '-1s'], code: 2, says: "got '-1s'" },
  { kind: 'number', what: 'a word for a time', argv: ['explore', M, '--time-limit', 'abc'], code: 2, says: "got 'abc'" },
  { kind: 'number', what: 'exponent time', argv: ['explore', M, '--time-limit', '1e3'], code: 2, says: "got '1e3'" },
  { kind: 'number', what: 'infinite time', argv: ['explore', M, '--time-limit', 'Infinity'], code: 2, says: "got 'Infinity'" },
  { kind: 'number', what: 'underscores in a bound are fine', argv: ['explore', M, '--max-states=1_000'], code: 1, says: 'violation: deadlock' },
  { kind: 'number', what: 'a duration with a unit is fine', argv: ['explore', M, '--time-limit', '20000ms'], code: 1, says: 'violation: deadlock' },

  // ---- --workers (issue 13 item 3) ----
  { kind: 'workers', what: 'zero workers', argv: ['explore', M, '--workers', '0'], code: 2, says: "option --workers must be a positive integer (worker threads), got '0'" },
  { kind: 'workers', what: 'fractional workers', argv: ['explore', M, '--workers', '1.5'], code: 2, says: "got '1.5'" },
  { kind: 'workers', what: '10,000 workers', argv: ['explore', M, '--workers', '10000'], code: 2, says: `option --workers 10000 is more than this machine's ${CORES} available core` },
  { kind: 'workers', what: '64 workers', argv: ['explore', M, '--workers', '64'], code: 2, says: `use at most --workers ${CORES}` },
  { kind: 'workers', what: 'one worker more than the cores', argv: ['explore', M, '--workers', String(CORES + 1)], code: 2, says: '(os.availableParallelism())' },
  { kind: 'workers', what: 'workers with a strategy other than bfs', argv: ['explore', M, '--workers', '2', '--strategy', 'dfs'], code: 2, says: 'option --workers 2 runs a parallel breadth-first search; it does not combine with --strategy dfs (use bfs)' },

  // ---- options and their conflicts ----
  { kind: 'option', what: 'an unknown command', argv: ['frob'], code: 2, says: "interleave: unknown command 'frob'; commands are list, explore, replay, view, run" },
  { kind: 'option', what: 'an option before the command', argv: ['--frob'], code: 2, says: "interleave: unknown option '--frob' before the command" },
  { kind: 'option', what: 'no command at all', argv: [], code: 2, says: 'usage: interleave <command>' },
  { kind: 'option', what: 'explore without a target', argv: ['explore'], code: 2, says: "interleave explore: missing <scenario-key|model file>: a catalogue key (see 'interleave list') or a .ts/.js file exporting a system" },
  { kind: 'option', what: 'an extra argument', argv: ['explore', M, 'extra'], code: 2, says: "interleave explore: unexpected argument 'extra' (after <scenario-key|model file>)" },
  { kind: 'option', what: 'an unknown option', argv: ['explore', M, '--frob'], code: 2, says: "unknown option '--frob'; the options of 'explore' are --strategy," },
  { kind: 'option', what: 'an unknown strategy', argv: ['explore', M, '--strategy', 'astar'], code: 2, says: "option --strategy must be one of bfs, dfs" },
  { kind: 'option', what: 'a missing value', argv: ['explore', M, '--strategy'], code: 2, says: 'option --strategy needs a value: --strategy <name>' },
  { kind: 'option', what: 'an option for a value', argv: ['explore', M, '--strategy', '--json'], code: 2, says: 'option --strategy needs a value: --strategy <name>' },
  { kind: 'option', what: 'a value for a flag', argv: ['explore', M, '--json=yes'], code: 2, says: "option --json takes no value, got 'yes'" },
  { kind: 'option', what: 'a flag twice', argv: ['explore', M, '--json', '--json'], code: 2, says: 'option --json is given twice' },
  { kind: 'option', what: 'a bound twice', argv: ['explore', M, '--max-states=10', '--max-states=20'], code: 2, says: 'option --max-states is given twice' },
  { kind: 'option', what: 'a report format nobody reads', argv: ['explore', M, '--report', 'out.pdf'], code: 2, says: "option --report: cannot tell the format of 'out.pdf' from its extension" },
  { kind: 'option', what: 'a report under /proc (mkdir -p never returns there)', argv: ['explore', M, '--report', '/proc/nope/x.json'], code: 2, says: 'option --report: cannot write /proc/nope/x.json' },
  { kind: 'option', what: 'a report inside a file', argv: ['explore', M, '--report', `${FIXTURES}/notJson.json/x.json`], code: 2, says: `option --report: cannot write ${FIXTURES}/notJson.json/x.json: ${FIXTURES}/notJson.json is not a directory` },
  { kind: 'option', what: 'a report that is a directory', argv: ['explore', M, '--report', 'spec/out/hostile/adir.json'], code: 2, says: 'option --report: spec/out/hostile/adir.json is a directory; name a file' },
  { kind: 'violation', what: 'a violation whose --report cannot be written (disk full; was: exit 2, the violation\'s code lost)', argv: ['explore', M, '--report', 'spec/out/hostile/full.json'], code: 1, says: 'violation: deadlock', check: (r) => expectIn(r.err, 'interleave explore: cannot write spec/out/hostile/full.json: ENOSPC: no space left on device, write; the result above stands, the report was not written') },
  { kind: 'option', what: 'a verified model whose --report cannot be written: exit 2', argv: ['explore', FIXED, '--report', 'spec/out/hostile/full.json'], code: 2, resultBeforeError: true, says: 'the result above stands, the report was not written', check: (r) => expectIn(r.out, 'verified') },
  { kind: 'option', what: 'run, every entry as expected, --report cannot be written: exit 2', argv: ['run', '--catalogue', CAT, '--report', 'spec/out/hostile/full.json'], code: 2, resultBeforeError: true, says: 'interleave run: cannot write spec/out/hostile/full.json: ENOSPC' },
  { kind: 'option', what: '--catalogue with a model file (was silently ignored)', argv: ['explore', M, '--catalogue', 'nope.ts'], code: 2, says: "option --catalogue chooses where scenario keys come from, but 'examples/twoCpuLock.ts' is a model file" },
  { kind: 'option', what: '--catalogue naming a missing file', argv: ['explore', 'DP/buggy/3', '--catalogue', `${FIXTURES}/nope.ts`], code: 2, says: `interleave explore: catalogue ${FIXTURES}/nope.ts does not exist` },
  { kind: 'option', what: '--catalogue without a catalogue export', argv: ['explore', 'DP/buggy/3', '--catalogue', `${FIXTURES}/noExport.ts`], code: 2, says: "has no 'catalogue' export that is an array of entries" },
  { kind: 'option', what: '--catalogue naming a directory', argv: ['list', '--catalogue', FIXTURES], code: 2, says: `catalogue ${FIXTURES} is not a file` },
  { kind: 'option', what: 'an unknown scenario key', argv: ['explore', 'C99/buggy/2g', '--catalogue', CAT], code: 2, says: "scenario: no scenario 'C99/buggy/2g' in the catalogue; ids are DP" },
  { kind: 'option', what: 'a scenario id naming several entries', argv: ['explore', 'DP', '--catalogue', CAT], code: 2, says: "scenario 'DP' names 2 catalogue entries; pick one key: DP/buggy/3, DP/fixed/3" },
  { kind: 'option', what: 'list with an argument', argv: ['list', 'extra'], code: 2, says: "interleave list: 'list' takes no arguments, got 'extra'" },
  { kind: 'option', what: 'run --scenario without a value', argv: ['run', '--scenario'], code: 2, says: 'option --scenario needs a value: --scenario <id|key>' },
  { kind: 'option', what: 'run an unknown scenario', argv: ['run', '--catalogue', CAT, '--scenario', 'XX'], code: 2, says: "--scenario: no scenario 'XX' in the catalogue; ids are DP" },
  { kind: 'option', what: 'run a catalogue that does not exist', argv: ['run', '--catalogue', 'nope.ts'], code: 2, says: 'catalogue nope.ts does not exist' },
  { kind: 'option', what: 'explore a directory', argv: ['explore', FIXTURES], code: 2, says: `model file ${FIXTURES} is not a file` },
  { kind: 'option', what: 'help for a command', argv: ['explore', '--help'], code: 0, says: 'usage: interleave explore' },
  { kind: 'option', what: 'the version', argv: ['--version'], code: 0, says: /^\d+\.\d+\.\d+/ },
  { kind: 'option', what: '--seed with bfs (was: accepted, the result line said "seed 5")', argv: ['explore', M, '--seed', '5'], code: 1, says: 'violation: deadlock', check: (r) => { expectIn(r.err, 'note: --seed has no effect with --strategy bfs; it seeds randomised strategies (pct, random), so it is ignored here'); expect(r.out).not.toContain('seed 5'); } },
  { kind: 'option', what: '--seed with pct is used and shown', argv: ['explore', M, '--seed', '5', '--strategy', 'pct'], code: 1, says: 'seed 5' },
  { kind: 'option', what: 'a usage error points to the help', argv: ['explore', M, '--seed', 'x'], code: 2, says: usage('explore') },

  // ---- model files that cannot be loaded ----
  { kind: 'model file', what: 'a missing model file', argv: ['explore', 'spec/out/hostile/missing.ts'], code: 2, says: 'model file spec/out/hostile/missing.ts does not exist' },
  { kind: 'model file', what: 'no system exported', model: 'export const x = 1;', argv: ['explore', '$M'], code: 2, says: "exports no system: export it as the default export or as 'system' (it exports x)" },
  { kind: 'model file', what: 'default export null', model: 'export default null;', argv: ['explore', '$M'], code: 2, says: "export 'default' is not a system ({ name, actors: [...] }, a SystemSpec): it is null" },
  { kind: 'model file', what: 'default export a number', model: 'export default 42;', argv: ['explore', '$M'], code: 2, says: "export 'default' is not a system ({ name, actors: [...] }, a SystemSpec): it is a number (42)" },
  { kind: 'model file', what: 'default export an array', model: 'export default [1, 2];', argv: ['explore', '$M'], code: 2, says: 'it is an array of 2 items' },
  { kind: 'model file', what: 'default export a string', model: "export default 'system';", argv: ['explore', '$M'], code: 2, says: 'it is the string "system"' },
  { kind: 'model file', what: "actors: 'foo'", model: "export default { name: 'x', actors: 'foo' };", argv: ['explore', '$M'], code: 2, says: `its 'actors' is the string "foo"; it must be an array of { name, machine }` },
  { kind: 'model file', what: 'a name that is not a string', model: 'export default { name: 3, actors: [] };', argv: ['explore', '$M'], code: 2, says: "its 'name' is a number (3); it must be a string" },
  { kind: 'model file', what: 'an object that is nothing like a system', model: 'export default { nom: 1 };', argv: ['explore', '$M'], code: 2, says: "with neither 'name' nor 'actors'" },
  { kind: 'model file', what: 'no actors', model: "export default { name: 'x', actors: [] };", argv: ['explore', '$M'], code: 2, says: "system 'x': has no actors" },
  { kind: 'model file', what: 'a null actor', model: "export default { name: 'x', actors: [null] };", argv: ['explore', '$M'], code: 2, says: "system 'x': actor #0 is null, not { name, machine }" },
  { kind: 'model file', what: 'an actor without a name', model: "export default { name: 'x', actors: [{ machine: createMachine({ id: 'a' }) }] };", argv: ['explore', '$M'], code: 2, says: "system 'x': actor #0 has no name" },
  { kind: 'model file', what: 'duplicate actor names', argv: ['explore', `${FIXTURES}/duplicateActors.ts`], code: 2, says: "system 'twins': duplicate actor name 'cpu' (actors #0 and #1)" },
  { kind: 'model file', what: "an actor named '(env)', the environment's name in traces (was: accepted, traces ambiguous)", model: "export default { name: 'x', actors: [{ name: '(env)', machine: createMachine({ id: 'e' }) }] };", argv: ['explore', '$M'], code: 2, says: "system 'x': actor #0 is named '(env)', the name traces give the environment (the sender of initial messages); choose another name" },
  { kind: 'model file', what: 'a machine that is not a machine', model: "export default { name: 'x', actors: [{ name: 'a', machine: {} }] };", argv: ['explore', '$M'], code: 2, says: "actor 'a': 'machine' is not an xstate v5 machine" },
  { kind: 'model file', what: 'an actor without a machine', model: "export default { name: 'x', actors: [{ name: 'a' }] };", argv: ['explore', '$M'], code: 2, says: "actor 'a': 'machine' is not an xstate v5 machine" },
  { kind: 'model file', what: 'an async factory', model: "export default async () => one({ i: { on: { go: 'd' } }, d: done });", argv: ['explore', '$M'], code: 2, says: "export 'default' is an async function (it returned a promise); export the system itself, or a function that returns it synchronously" },
  { kind: 'model file', what: 'a promise', model: "export default Promise.resolve(1);", argv: ['explore', '$M'], code: 2, says: "export 'default' is a promise" },
  { kind: 'model file', what: 'a factory that throws', model: "export default () => { throw new Error('no factory today'); };", argv: ['explore', '$M'], code: 2, says: "export 'default' threw when called: no factory today" },
  { kind: 'model file', what: 'a module that throws', argv: ['explore', `${FIXTURES}/throws.ts`], code: 2, says: 'failed to load: the model file blew up on purpose' },
  { kind: 'model file', what: 'a TypeScript syntax error', run: 'bin', model: "export default { name: 'x', actors: [ ; };", argv: ['explore', '$M'], code: 2, says: /does not compile: \S+:\d+:\d+: ERROR: /u },
  { kind: 'model file', what: 'a .js syntax error gets file:line:column (was: no location)', run: 'bin', ext: 'js', model: "export default {\n  name: 'x',\n  actors: [ ;\n};", argv: ['explore', '$M'], code: 2, says: /does not compile: spec\/out\/hostile\/\S+\.js:\d+:\d+: /u },
  { kind: 'model file', what: 'a .mjs syntax error gets file:line:column', run: 'bin', ext: 'mjs', model: 'export default {{', argv: ['explore', '$M'], code: 2, says: /does not compile: spec\/out\/hostile\/\S+\.mjs:\d+:\d+: /u },
  { kind: 'model file', what: 'TypeScript in a .mjs file', run: 'bin', ext: 'mjs', model: 'const x: number = 1;\nexport default x;', argv: ['explore', '$M'], code: 2, says: /does not compile: spec\/out\/hostile\/\S+\.mjs:1:\d+: Missing initializer/u },
  { kind: 'model file', what: 'a missing import', model: "import x from './nowhere.js';\nexport default x;", argv: ['explore', '$M'], code: 2, says: 'failed to load: ' },
  { kind: 'model file', what: 'a message to an unknown actor', model: "export default { ...one({ i: {} }), initialMessages: [{ to: 'b', event: { type: 'go' } }] };", argv: ['explore', '$M'], code: 2, says: "initial message #0 ('go') is addressed to unknown actor 'b'; actors are a" },
  { kind: 'model file', what: 'initialMessages not an array', model: "export default { ...one({ i: {} }), initialMessages: 'go' };", argv: ['explore', '$M'], code: 2, says: "'initialMessages' must be an array, got the string \"go\"" },
  { kind: 'model file', what: 'a null initial message', model: 'export default { ...one({ i: {} }), initialMessages: [null] };', argv: ['explore', '$M'], code: 2, says: 'initial message #0 is null, not { to, event: { type, ... } }' },
  { kind: 'model file', what: 'a message without a type', model: "export default { ...one({ i: {} }), initialMessages: [{ to: 'a', event: { kind: 'go' } }] };", argv: ['explore', '$M'], code: 2, says: "initial message #0 to 'a' has no string 'type'" },
  { kind: 'model file', what: 'a message with a function in it', model: "export default { ...one({ i: {} }), initialMessages: [{ to: 'a', event: { type: 'go', f: () => 1 } }] };", argv: ['explore', '$M'], code: 2, says: 'is a function' },
  { kind: 'model file', what: 'a mailbox bound of zero', model: "export default { ...one({ i: {} }), mailboxBound: 0 };", argv: ['explore', '$M'], code: 2, says: 'mailboxBound must be a positive integer, got 0' },
  { kind: 'model file', what: 'a fractional mailbox bound', model: "export default { ...one({ i: {} }), mailboxBound: 1.5 };", argv: ['explore', '$M'], code: 2, says: 'mailboxBound must be a positive integer, got 1.5' },
  { kind: 'model file', what: 'invariants not an array', model: "export default { ...one({ i: {} }), invariants: { name: 'x' } };", argv: ['explore', '$M'], code: 2, says: "'invariants' must be an array, got an object with keys name" },
  { kind: 'model file', what: 'an invariant without a check', model: "export default { ...one({ i: {} }), invariants: [{ name: 'safe' }] };", argv: ['explore', '$M'], code: 2, says: "invariant 'safe' has no check function" },
  { kind: 'model file', what: 'a checker that is not a factory', model: "export default { ...one({ i: {} }), checkers: [{ name: 'c' }] };", argv: ['explore', '$M'], code: 2, says: 'checker #0 is not a factory function (() => Checker)' },
  { kind: 'model file', what: 'a label that is not a function', model: "export default one({ i: {} }, { actor: { label: 'a' } });", argv: ['explore', '$M'], code: 2, says: "actor 'a': 'label' must be a function of the actor's context, got the string \"a\"" },
  { kind: 'model file', what: 'a model loaded as CommonJS (its package.json has no "type": "module"; was node\'s "require(esm) in a cycle")', argv: ['explore', 'spec/out/hostile/cjs/model.ts'], run: 'bin', code: 2, says: 'failed to load: node loaded it as CommonJS, because no package.json with "type": "module" is in its folder or above, and it uses ES modules (import/export). Add a package.json containing {"type": "module"} to its folder (or a parent), or rename it to .mts' },
  { kind: 'model file', what: 'resources that are not a function', model: 'export default one({ i: {} }, { actor: { resources: [] } });', argv: ['explore', '$M'], code: 2, says: "actor 'a': 'resources' must be a function of the actor's context, got an array of 0 items" },
  // A catalogue's entries (hostile tester 2, F8 and F9): build() returning junk and a non-string
  // expected kind were exit 70; duplicate and path-shaped keys were accepted; the printed replay
  // command left out --catalogue, so it could not run.
  { kind: 'model file', what: 'a catalogue entry whose build() returns 42', model: CATALOGUE("{ ...entry, key: 'X/g', build: () => 42 }"), argv: ['run', '--catalogue', '$M'], code: 2, says: 'catalogue entry X/g: build() did not return a system ({ name, actors: [...] }, a SystemSpec): it is a number (42)' },
  { kind: 'model file', what: 'a catalogue entry whose build() returns a promise', model: CATALOGUE("{ ...entry, key: 'X/p', build: async () => abba(() => {}) }"), argv: ['explore', 'X/p', '--catalogue', '$M'], code: 2, says: 'catalogue entry X/p: build() returned a promise' },
  { kind: 'model file', what: 'a catalogue entry expecting kind 42', model: CATALOGUE("{ ...entry, key: 'X/d', expected: { verdict: 'violation', kind: 42 } }"), argv: ['run', '--catalogue', '$M'], code: 2, says: "entry #0 (key \"X/d\"): expected.kind is a number (42); a violation's expected kind must be a non-empty string" },
  { kind: 'model file', what: "a catalogue entry expecting verdict 'ok'", model: CATALOGUE("{ ...entry, key: 'X/v', expected: { verdict: 'ok' } }"), argv: ['list', '--catalogue', '$M'], code: 2, says: "expected.verdict is the string \"ok\"; it must be 'violation', 'verified' or 'incomplete'" },
  { kind: 'model file', what: 'two catalogue entries with the same key', model: CATALOGUE("{ ...entry, key: 'X/a' }, { ...entry, key: 'X/a', expected: { verdict: 'verified' } }"), argv: ['run', '--catalogue', '$M'], code: 2, says: "entries #0 and #1 have the same key 'X/a'; keys must be unique" },
  { kind: 'model file', what: "a catalogue key with '@' and a path", model: CATALOGUE("{ ...entry, key: '../../etc/passwd@il2_x' }"), argv: ['run', '--catalogue', '$M'], code: 2, says: "entry #0 (key \"../../etc/passwd@il2_x\"): the key cannot be used: a key names an entry on the command line" },
  { kind: 'model file', what: 'a catalogue key ending in .ts', model: CATALOGUE("{ ...entry, key: 'X/model.ts' }"), argv: ['run', '--catalogue', '$M'], code: 2, says: 'the key would be taken for a model file' },
  { kind: 'replay', what: 'run --catalogue: the replay command printed names the catalogue', model: CATALOGUE("{ ...entry, key: 'X/ok' }"), argv: ['run', '--catalogue', '$M', '--traces'], code: 0, says: /replay: npx interleave replay X\/ok@il2_\S+ --catalogue spec\/out\/hostile\/r\d+\.ts\n/u },
  { kind: 'replay', what: "run --catalogue --json: the report's replay field names the catalogue", model: CATALOGUE("{ ...entry, key: 'X/ok' }"), argv: ['run', '--catalogue', '$M', '--json'], code: 0, says: /"replay": "npx interleave replay X\/ok@il2_\S+ --catalogue spec\/out\/hostile\/r\d+\.ts"/u },
  { kind: 'replay', what: 'explore of a --catalogue key: the replay command names the catalogue', model: CATALOGUE("{ ...entry, key: 'X/ok' }"), argv: ['explore', 'X/ok', '--catalogue', '$M'], code: 1, says: /replay: npx interleave replay X\/ok@il2_\S+ --catalogue spec\/out\/hostile\/r\d+\.ts\n/u },

  // ---- contexts that are not plain data (held before issue 13) ----
  ...(
    [
      ['a function', '{ f: () => 1 }', 'is a function'],
      ['a Map', '{ m: new Map() }', 'context.m'],
      ['a Date', '{ d: new Date(0) }', 'context.d'],
      ['a cycle', '(() => { const c: any = { x: {} }; c.x.back = c; return c; })()', 'is a cycle back to one of its ancestors'],
      ['undefined', '{ u: undefined }', 'context.u is undefined; use null or leave the key out'],
      ['NaN', '{ n: NaN }', 'context.n is NaN; only finite numbers are plain data'],
      ['Infinity', '{ n: Infinity }', 'context.n is Infinity'],
      ['a bigint', '{ n: 10n }', 'context.n is a bigint'],
      ['a symbol', "{ s: Symbol('s') }", 'context.s is a symbol'],
      ['a class instance', '{ k: new (class Point { x = 1 })() }', 'context.k'],
    ] as const
  ).map(([what, context, says]): Row => ({ kind: 'context', what: `a context holding ${what}`, model: `export default one({ i: { on: { go: 'd' } }, d: done }, { context: ${context} });`, argv: ['explore', '$M'], code: 2, says })),
  { kind: 'context', what: 'an assign that stores a function', model: "export default one({ i: { on: { go: { target: 'd', actions: assign({ f: () => () => 1 }) } } }, d: done }, { context: { f: null } });", argv: ['explore', '$M'], code: 2, says: 'context.f is a function' },
  { kind: 'context', what: 'a message sent with a function in it', model: "export default one({ i: { on: { go: { target: 'd', actions: send('a', { type: 'x', f: () => 1 }) } } }, d: done });", argv: ['explore', '$M'], code: 2, says: "message to 'a'" },
  { kind: 'context', what: 'a message sent without a type', model: "export default one({ i: { on: { go: { target: 'd', actions: send('a', { kind: 'x' } as any) } } }, d: done });", argv: ['explore', '$M'], code: 2, says: "a message to 'a' has no string 'type'" },
  { kind: 'context', what: 'a message sent to nobody', model: "export default one({ i: { on: { go: { target: 'd', actions: send('nobody', { type: 'x' }) } } }, d: done });", argv: ['explore', '$M'], code: 2, says: "sends 'x' to unknown actor 'nobody'; actors are a" },

  // ---- xstate features that belong to the runtime (held before issue 13, plus inline actions and always cycles) ----
  { kind: 'xstate feature', what: 'a delayed transition', model: "export default one({ i: { after: { 100: 'd' } }, d: done });", argv: ['explore', '$M'], code: 2, says: "actor 'a', state 'i': uses a delayed transition ('after'); time belongs to the runtime" },
  { kind: 'xstate feature', what: 'invoke', model: "export default one({ i: { invoke: { src: createMachine({}) } } });", argv: ['explore', '$M'], code: 2, says: "uses 'invoke'; actor creation belongs to the runtime" },
  { kind: 'xstate feature', what: 'spawnChild', model: "export default one({ i: { entry: spawnChild(createMachine({})) } });", argv: ['explore', '$M'], code: 2, says: 'spawns a child actor' },
  { kind: 'xstate feature', what: 'sendTo', model: "export default one({ i: { on: { go: { actions: sendTo('a', { type: 'x' }) } } } });", argv: ['explore', '$M'], code: 2, says: "uses sendTo or sendParent (use interleave's send(to, event) action)" },
  { kind: 'xstate feature', what: 'sendParent', model: "export default one({ i: { on: { go: { actions: sendParent({ type: 'x' }) } } } });", argv: ['explore', '$M'], code: 2, says: 'uses sendTo or sendParent' },
  { kind: 'xstate feature', what: 'cancel', model: "export default one({ i: { on: { go: { actions: cancel('t') } } } });", argv: ['explore', '$M'], code: 2, says: 'cancels a delayed event' },
  { kind: 'xstate feature', what: 'stopChild', model: "export default one({ i: { on: { go: { actions: stopChild('c') } } } });", argv: ['explore', '$M'], code: 2, says: 'stops a child actor' },
  { kind: 'xstate feature', what: 'a delayed raise', model: "export default one({ i: { on: { go: { actions: raise({ type: 'x' }, { delay: 10 }) } } } });", argv: ['explore', '$M'], code: 2, says: 'raises a delayed event' },
  { kind: 'xstate feature', what: "an inline action function (was \"action 'actions'\")", model: "export default one({ i: { on: { go: { target: 'd', actions: () => {} } } }, d: done });", argv: ['explore', '$M'], code: 2, says: "actor 'a', state 'i': the actions of its transition on 'go' include an inline function; it would never run" },
  { kind: 'xstate feature', what: 'an inline entry function', model: "export default one({ i: { entry: () => {} } });", argv: ['explore', '$M'], code: 2, says: 'its entry actions include an inline function' },
  { kind: 'xstate feature', what: 'a named action without an implementation', model: "export default one({ i: { on: { go: { target: 'd', actions: 'log' } } }, d: done });", argv: ['explore', '$M'], code: 2, says: "action 'log' is not one the runtime interprets" },
  { kind: 'xstate feature', what: 'an eventless cycle between two states', model: "export default one({ i: { on: { go: 'b' } }, b: { always: 'c' }, c: { always: 'b' } });", argv: ['explore', '$M'], code: 2, says: "actor 'a': eventless ('always') transitions without guards form a cycle, b -> c -> b; xstate would loop forever in one step" },
  { kind: 'xstate feature', what: 'an eventless cycle through a compound state', model: "export default one({ i: { on: { go: 'b' } }, b: { always: 'c' }, c: { initial: 'c1', states: { c1: { always: '#a.b' } } } });", argv: ['explore', '$M'], code: 2, says: 'form a cycle, b -> c.c1 -> b' },
  { kind: 'xstate feature', what: 'an eventless assign that never leaves', model: "export default one({ i: { on: { go: 'b' } }, b: { always: { actions: assign({ n: ({ context }: any) => context.n + 1 }) } } }, { context: { n: 0 } });", argv: ['explore', '$M'], code: 2, says: "actor 'a', state 'b': its eventless ('always') transition has no guard, stays in the state and assigns the context" },
  { kind: 'xstate feature', what: 'an eventless self-transition without actions is fine', model: "export default one({ i: { on: { go: 'b' } }, b: { always: 'b', on: { stop: 'd' } }, d: done });", argv: ['explore', '$M'], code: 1, says: 'deadlock' },

  // ---- user callbacks that throw or return the wrong type (issue 13 item 6; were exit 70) ----
  { kind: 'callback', what: 'a label() that throws', model: "export default abba((s) => { s.actors[2].label = () => { throw new Error('no label'); }; });", argv: ['explore', '$M'], code: 2, says: /^interleave explore: model file spec\/out\/hostile\/\S+: actor 'domain': label\(\) threw: no label$/mu },
  { kind: 'callback', what: 'a label() that returns an object', model: 'export default abba((s) => { s.actors[2].label = () => ({ owner: 1 }); });', argv: ['explore', '$M'], code: 2, says: "actor 'domain': label() returned an object with keys owner; it must return a string" },
  { kind: 'callback', what: 'a label() that returns a number', model: 'export default abba((s) => { s.actors[2].label = () => 7; });', argv: ['explore', '$M'], code: 2, says: "label() returned a number (7); it must return a string" },
  { kind: 'callback', what: 'a label() that throws on replay', model: "export default abba((s) => { s.actors[2].label = () => { throw new TypeError('bad'); }; });", argv: ['replay', '$M', '$T{abba}'], code: 2, says: "actor 'domain': label() threw: TypeError: bad" },
  { kind: 'callback', what: 'a resources() that throws', model: "export default abba((s) => { s.actors[2].resources = () => { throw new Error('no locks'); }; });", argv: ['explore', '$M'], code: 2, says: "actor 'domain': resources() threw: no locks" },
  { kind: 'callback', what: 'a resources() that returns a string', model: "export default abba((s) => { s.actors[2].resources = () => 'locks'; });", argv: ['explore', '$M'], code: 2, says: 'resources() returned the string "locks"; it must return an array of { name: string, heldBy: string[], waiting: string[] }' },
  { kind: 'callback', what: 'a resources() item without a name', model: 'export default abba((s) => { s.actors[2].resources = () => [{ heldBy: [], waiting: [] }]; });', argv: ['explore', '$M'], code: 2, says: 'resources() returned an array whose item #0 is an object with keys heldBy, waiting' },
  { kind: 'callback', what: 'an invariant check that throws', model: "export default abba((s) => { s.invariants = [{ name: 'owner', check: (v: any) => v.actor('nobody') }]; });", argv: ['explore', '$M'], code: 2, says: /invariant 'owner': check\(\) threw \(in the state cpu0=\S+, cpu1=\S+, domain=\S+\): no actor named 'nobody'/u },
  { kind: 'callback', what: 'an invariant check that returns a number', model: "export default abba((s) => { s.invariants = [{ name: 'n', check: () => 42 }]; });", argv: ['explore', '$M'], code: 2, says: "invariant 'n': check() returned a number (42)" },
  { kind: 'callback', what: 'an invariant check that returns nothing', model: "export default abba((s) => { s.invariants = [{ name: 'n', check: () => undefined }]; });", argv: ['explore', '$M'], code: 2, says: "check() returned undefined (in the state" },
  { kind: 'callback', what: 'a checker factory that throws', model: "export default abba((s) => { s.checkers = [() => { throw new Error('no checker'); }]; });", argv: ['explore', '$M'], code: 2, says: 'checker #0: its factory threw: no checker' },
  { kind: 'callback', what: 'a checker factory that returns null', model: 'export default abba((s) => { s.checkers = [() => null]; });', argv: ['explore', '$M'], code: 2, says: 'checker #0: its factory returned null, not a checker' },
  { kind: 'callback', what: 'a checker that throws', model: "export default abba((s) => { s.checkers = [() => ({ name: 'mine', onTransition: () => { throw new Error('oops'); } })]; });", argv: ['explore', '$M'], code: 2, says: /checker 'mine': onTransition\(\) on 'cpu0' taking '[\w.]+' threw: oops/u },
  // Hostile tester round 2 (F5, F7): the checker's other hooks and fields, read under guard (was exit 70).
  { kind: 'callback', what: "a checker whose relevant() throws", model: "export default abba((s) => { s.checkers = [() => ({ name: 'rt', relevant: () => { throw new Error('relevant blew up'); }, onTransition: () => undefined })]; });", argv: ['explore', '$M'], code: 2, says: "checker 'rt': relevant() threw: relevant blew up" },
  { kind: 'callback', what: 'a checker whose relevant is not a function', model: "export default abba((s) => { s.checkers = [() => ({ name: 'rn', relevant: 42, onTransition: () => undefined })]; });", argv: ['explore', '$M'], code: 2, says: "checker 'rn': relevant is a number (42), not a function" },
  { kind: 'callback', what: 'a checker whose name getter throws', model: "export default abba((s) => { s.checkers = [() => ({ get name() { throw new Error('name getter'); }, onTransition: () => undefined })]; });", argv: ['explore', '$M'], code: 2, says: 'checker #0: reading its name threw: name getter' },
  { kind: 'callback', what: 'a checker whose onTransition getter throws', model: "export default abba((s) => { s.checkers = [() => ({ name: 'og', get onTransition() { throw new Error('getter'); } })]; });", argv: ['explore', '$M'], code: 2, says: "checker 'og': reading onTransition threw: getter" },
  { kind: 'callback', what: 'a checker finding with an empty kind', model: "export default abba((s) => { s.checkers = [() => ({ name: 'fk', onTransition: () => [{ kind: '', message: '' }] })]; });", argv: ['explore', '$M'], code: 2, says: 'kind a non-empty string' },
  // A finding's evidence and kind (hostile tester 2, F7): were "the model is not deterministic", or taken at face value.
  { kind: 'callback', what: "a checker finding whose evidence is 'nonsense'", model: "export default abba((s) => { s.checkers = [() => ({ name: 'fe', onTransition: () => [{ kind: 'x-bug', message: 'found', evidence: 'nonsense' }] })]; });", argv: ['explore', '$M'], code: 2, says: "checker 'fe': onTransition() on 'cpu0' taking 'start' returned finding 'x-bug' with evidence the string \"nonsense\", not an array of paths" },
  { kind: 'callback', what: 'a checker finding whose evidence names actor 99', model: "export default abba((s) => { s.checkers = [() => ({ name: 'fh', onTransition: () => [{ kind: 'x-bug', message: 'found', evidence: [[0, 1, 99]] }] })]; });", argv: ['explore', '$M', '--strategy', 'dpor'], code: 2, says: "returned finding 'x-bug' with evidence[0][2] a number (99), not an actor index (0 to 2)" },
  { kind: 'callback', what: 'a checker finding whose evidence path is a number', model: "export default abba((s) => { s.checkers = [() => ({ name: 'fn', onTransition: () => [{ kind: 'x-bug', message: 'found', evidence: [7] }] })]; });", argv: ['explore', '$M'], code: 2, says: "returned finding 'x-bug' with evidence[0] a number (7), not an array of actor indices" },
  { kind: 'callback', what: 'a checker finding whose evidence cannot be replayed', model: "export default abba((s) => { s.checkers = [() => ({ name: 'fr', onTransition: () => [{ kind: 'x-bug', message: 'found', evidence: [[2, 2, 2, 2, 2, 2, 2, 2]] }] })]; });", argv: ['explore', '$M'], code: 2, says: "a checker's finding 'x-bug' (\"found\") rests on evidence execution 1 of 1, which cannot be replayed: replay diverged at step" },
  { kind: 'callback', what: "a checker finding of kind 'deadlock'", model: "export default abba((s) => { s.checkers = [() => ({ name: 'fd', onTransition: () => [{ kind: 'deadlock', message: 'fake' }] })]; });", argv: ['explore', '$M'], code: 2, says: "checker 'fd': onTransition() on 'cpu0' taking 'start' returned finding 'deadlock' of a kind only the engine reports" },
  { kind: 'callback', what: "a checker finding of kind 'mailbox-overflow'", model: "export default abba((s) => { s.checkers = [() => ({ name: 'fo', onTransition: () => [{ kind: 'mailbox-overflow', message: 'fake' }] })]; });", argv: ['explore', '$M', '--strategy', 'random'], code: 2, says: "returned finding 'mailbox-overflow' of a kind only the engine reports" },
  { kind: 'callback', what: "a checker finding of kind 'assertion' is the checker's to report", model: "export default abba((s) => { s.checkers = [() => ({ name: 'fa', onTransition: (e: any) => (e.actor === 'cpu1' ? [{ kind: 'assertion', message: 'cpu1 moved' }] : undefined) })]; });", argv: ['explore', '$M'], code: 1, says: 'assertion: cpu1 moved' },
  { kind: 'callback', what: 'a checker that returns a string', model: "export default abba((s) => { s.checkers = [() => ({ name: 'mine', onTransition: () => 'bad' })]; });", argv: ['explore', '$M'], code: 2, says: /checker 'mine': onTransition\(\) on 'cpu0' taking '[\w.]+' returned the string "bad"/u },
  { kind: 'callback', what: 'a catalogue entry whose build() throws', model: "export const catalogue = [{ id: 'X', key: 'X/a/1', variant: 'a', config: '1', title: 't', source: 's', expected: { verdict: 'verified' }, build: () => { throw new Error('cannot build'); } }];", argv: ['run', '--catalogue', '$M'], code: 2, says: 'catalogue entry X/a/1: build() threw: cannot build' },
  { kind: 'callback', what: 'a catalogue entry that is not one', model: "export const catalogue = [{ id: 'X' }];", argv: ['list', '--catalogue', '$M'], code: 2, says: 'entry #0 is not a catalogue entry (it needs id, key, build() and expected)' },
  { kind: 'callback', what: 'a catalogue entry whose label() throws', model: "export const catalogue = [{ id: 'X', key: 'X/a/1', variant: 'a', config: '1', title: 't', source: 's', expected: { verdict: 'verified' }, build: () => abba((s) => { s.actors[2].label = () => { throw new Error('L'); }; }) }];", argv: ['run', '--catalogue', '$M'], code: 2, says: "catalogue entry X/a/1: actor 'domain': label() threw: L" },

  // ---- user code that runs when an actor starts (was: swallowed; a daemon's gave "verified") ----
  { kind: 'actor start', what: "a daemon whose initial entry action throws (was: verified, exit 0)", model: "const bad = createMachine({ id: 'bad', initial: 'i', entry: assign(() => { throw new Error('init failed'); }), states: { i: {} } });\nconst ok = createMachine({ id: 'ok', initial: 'i', states: { i: { on: { go: 'd' } }, d: done } });\nexport default { name: 'e2', actors: [{ name: 'bad', machine: bad, daemon: true }, { name: 'ok', machine: ok }], initialMessages: [{ to: 'ok', event: { type: 'go' } }] };", argv: ['explore', '$M'], code: 2, says: "actor 'bad': entering its initial state threw: init failed" },
  { kind: 'actor start', what: "the initial state's entry action throws (was: unhandled message, the error lost)", model: "export default one({ i: { entry: assign(() => { throw new Error('entry of the initial state blew up'); }), on: { go: 'd' } }, d: done });", argv: ['explore', '$M'], code: 2, says: "actor 'a': entering its initial state threw: entry of the initial state blew up" },
  { kind: 'actor start', what: 'a context factory that throws', model: "export default one({ i: { on: { go: 'd' } }, d: done }, { context: () => { throw new RangeError('no context'); } });", argv: ['explore', '$M'], code: 2, says: "actor 'a': entering its initial state threw: RangeError: no context" },
  { kind: 'actor start', what: 'a context factory that throws null', model: "export default one({ i: { on: { go: 'd' } }, d: done }, { context: () => { throw null; } });", argv: ['explore', '$M'], code: 2, says: "actor 'a': entering its initial state threw null" },
  { kind: 'actor start', what: 'a context factory that reads a missing input', model: "export default one({ i: { on: { go: 'd' } }, d: done }, { context: ({ input }: any) => ({ n: input.start }) });", argv: ['explore', '$M', '--strategy', 'dpor'], code: 2, says: "actor 'a': entering its initial state threw: TypeError: Cannot read properties of undefined (reading 'start')" },
  { kind: 'actor start', what: "an initial eventless transition's assign that throws", model: "export default one({ i: { always: { target: 'j', actions: assign(() => { throw new Error('always failed'); }) } }, j: { on: { go: 'd' } }, d: done });", argv: ['explore', '$M', '--strategy', 'pct'], code: 2, says: "actor 'a': entering its initial state threw: always failed" },
  { kind: 'actor start', what: 'a nested initial state whose entry throws, parallel-bfs', model: "export default one({ i: { initial: 'k', states: { k: { entry: assign(() => { throw new Error('deep entry'); }) } }, on: { go: 'd' } }, d: done });", argv: ['explore', '$M', '--strategy', 'parallel-bfs'], code: 2, says: "actor 'a': entering its initial state threw: deep entry" },
  { kind: 'actor start', what: 'replay on a model whose initial entry throws', model: "export default abba((s) => { const m = s.actors[0].machine; s.actors[0].machine = createMachine({ ...m.config, context: () => { throw new Error('cpu0 cannot start'); } }, m.implementations); });", argv: ['replay', '$M', '$T{abba}'], code: 2, says: "actor 'cpu0': entering its initial state threw: cpu0 cannot start" },
  { kind: 'actor start', what: 'a catalogue entry whose actor cannot start', model: "export const catalogue = [{ id: 'X', key: 'X/a/1', variant: 'a', config: '1', title: 't', source: 's', expected: { verdict: 'verified' }, build: () => one({ i: {} }, { context: () => { throw new Error('Z'); } }) }];", argv: ['run', '--catalogue', '$M'], code: 2, says: "actor 'a': entering its initial state threw: Z" },

  // ---- user code that writes the state it is shown (was: verified by bfs, a violation by dpor; a label's write blamed on assigns) ----
  { kind: 'callback', what: 'an invariant that resets the context it is shown (was: verified)', model: "export default { ...one({ i: { on: { go: [{ guard: ({ context }: any) => context.n >= 2, target: 'i', actions: assertThat(() => false, 'reached 2') }, { target: 'i', actions: [assign(({ context }: any) => ({ n: context.n + 1 })), send('a', { type: 'go' })] }] } } }, { context: { n: 0 } }), invariants: [{ name: 'resets', check: (v: any) => { v.actor('a').context.n = 0; return true; } }] };", argv: ['explore', '$M'], code: 2, says: "invariant 'resets': check() threw (in the state a=i): TypeError: Cannot assign to read only property 'n'" },
  { kind: 'callback', what: 'the same invariant under dpor (was: a violation, the strategies disagreed)', model: "export default { ...one({ i: { on: { go: [{ guard: ({ context }: any) => context.n >= 2, target: 'i', actions: assertThat(() => false, 'reached 2') }, { target: 'i', actions: [assign(({ context }: any) => ({ n: context.n + 1 })), send('a', { type: 'go' })] }] } } }, { context: { n: 0 } }), invariants: [{ name: 'resets', check: (v: any) => { v.actor('a').context.n = 0; return true; } }] };", argv: ['explore', '$M', '--strategy', 'dpor'], code: 2, says: "invariant 'resets': check() threw" },
  { kind: 'callback', what: 'the same invariant under pct (was: ran on at 2 states)', model: "export default { ...one({ i: { on: { go: [{ guard: ({ context }: any) => context.n >= 2, target: 'i', actions: assertThat(() => false, 'reached 2') }, { target: 'i', actions: [assign(({ context }: any) => ({ n: context.n + 1 })), send('a', { type: 'go' })] }] } } }, { context: { n: 0 } }), invariants: [{ name: 'resets', check: (v: any) => { v.actor('a').context.n = 0; return true; } }] };", argv: ['explore', '$M', '--strategy', 'pct'], code: 2, says: 'it may read the state it is shown, never change it' },
  { kind: 'callback', what: "a label() that resets the context (was: blamed on 'an assign or guard')", model: "export default one({ i: { on: { go: [{ guard: ({ context }: any) => context.n >= 2, target: 'i', actions: assertThat(() => false, 'reached 2') }, { target: 'i', actions: [assign(({ context }: any) => ({ n: context.n + 1 })), send('a', { type: 'go' })] }] } } }, { context: { n: 0 }, actor: { label: (c: any) => { c.n = 0; return 'x'; } } });", argv: ['explore', '$M'], code: 2, says: "actor 'a': label() threw: TypeError: Cannot assign to read only property 'n'" },
  { kind: 'callback', what: 'a resources() that pushes onto the context', model: "export default one({ i: { on: { go: 'd' } }, d: done }, { context: { held: [] }, actor: { resources: (c: any) => { c.held.push('x'); return []; } } });", argv: ['explore', '$M'], code: 2, says: "actor 'a': resources() threw: TypeError: Cannot add property 0, object is not extensible: it may read the state it is shown" },
  { kind: 'callback', what: 'an invariant that deletes a nested field', model: "export default one({ i: { on: { go: 'd' } }, d: done }, { context: { p: { q: 1 } }, system: { invariants: [{ name: 'del', check: (v: any) => { delete v.actor('a').context.p.q; return true; } }] } });", argv: ['explore', '$M', '--strategy', 'symmetry'], code: 2, says: "invariant 'del': check() threw" },
  { kind: 'nondeterminism', what: 'a guard that writes the context in place', model: "export default one({ i: { on: { go: { guard: ({ context }: any) => { context.n = 5; return true; }, target: 'd' } } }, d: done }, { context: { n: 0 } });", argv: ['explore', '$M'], code: 2, says: "actor 'a' in state 'i' on message 'go': the step changes its context in place" },

  // ---- violations: the right answer, with the right code (held before issue 13) ----
  { kind: 'violation', what: 'a deadlock', argv: ['explore', M], code: 1, says: "deadlock: no actor can take a step, and 'cpu0' waits for vgic.lock (held by cpu1)" },
  { kind: 'violation', what: 'a verified model', argv: ['explore', FIXED], code: 0, says: 'verified: every reachable state explored, no violation' },
  // A user's own message fields named like the runtime's keys (hostile tester 2, after F1's
  // `urgent`): `frame`/`toFrame` were the runtime's reply addressing, so a reply to a request
  // carrying `frame: 'eth0'` gained `toFrame: 'eth0'`, which routes answers inside a CPU.
  { kind: 'violation', what: "a user message with its own 'frame' and 'toFrame' fields, and a reply to it", model: USER_FRAME, argv: ['explore', '$M'], code: 0, says: 'verified: every reachable state explored, no violation' },
  { kind: 'violation', what: "a user message with its own 'frame' field: the trace shows it as sent", model: USER_FRAME.replace("'no toFrame on the answer'", "'shown'").replace('event.toFrame === undefined', 'false'), argv: ['explore', '$M'], code: 1, says: 'sends req(frame=eth0,toFrame=lan) to b' },
  { kind: 'violation', what: 'a transition that throws', model: "export default one({ i: { on: { go: { target: 'd', actions: assign(() => { throw new Error('index out of range'); }) } } }, d: done });", argv: ['explore', '$M'], code: 1, says: "actor 'a', state 'i', message 'go': the transition threw: index out of range" },
  { kind: 'callback', what: "a send() whose computed target throws (issue 12 fault 7)", model: "export default one({ i: { on: { go: { target: 'd', actions: send(({ context }: any) => context.pt.vcpu.id, { type: 'kick' }) } } }, d: done });", argv: ['explore', '$M'], code: 2, says: "actor 'a', state 'i', message 'go': send('kick')'s target threw: Cannot read properties of undefined (reading 'vcpu')" },
  { kind: 'callback', what: "spin_lock of a class its guard does not own (new-user finding: was wrapped as assertThat('recursive spin_lock: ...')'s predicate threw)", model: "import { calls, lockGuard, straightLineCpu } from '../../../protocols/program.js';\nexport default { name: 'nolock', actors: [{ name: 'cpu0', machine: straightLineCpu('cpu0', [calls.lock('locks', 'C')]) }, lockGuard('locks', ['A', 'B'])], initialMessages: [{ to: 'cpu0', event: { type: 'start' } }] };", argv: ['explore', '$M'], code: 2, says: "actor 'locks', state '(root)', message 'spin.acquire': no lock class 'C' here; this actor owns A, B" },
  { kind: 'violation', what: "a guard that throws null (was: xstate's \"Cannot read properties of null (reading 'message')\")", model: "export default one({ i: { on: { go: { guard: () => { throw null; }, target: 'd' } } }, d: done });", argv: ['explore', '$M'], code: 1, says: "actor 'a', state 'i', message 'go': a guard threw null or undefined (not an Error, so xstate could not say which)" },
  { kind: 'violation', what: 'a guard that throws a number', model: "export default one({ i: { on: { go: { guard: () => { throw 42; }, target: 'd' } } }, d: done });", argv: ['explore', '$M'], code: 1, says: 'a guard threw a value that is not an Error' },
  { kind: 'violation', what: 'an unhandled message', model: "export default one({ i: { on: { stop: 'd' } }, d: done });", argv: ['explore', '$M'], code: 1, says: "unhandled message 'go' from (env) in state 'i' of actor 'a'" },
  { kind: 'violation', what: 'a mailbox overflow', model: "export default { ...one({ i: { on: { go: { actions: [send('a', { type: 'go' }), send('a', { type: 'go' })] } } } }), mailboxBound: 3 };", argv: ['explore', '$M'], code: 1, says: 'mailbox-overflow' },
  { kind: 'violation', what: 'an assertion', argv: ['explore', '$M'], model: "export default one({ i: { on: { go: { target: 'd', actions: assertThat(() => false, 'never') } } }, d: done });", code: 1, says: "assertion failed in actor 'a': never" },
  { kind: 'violation', what: 'an invariant', model: "export default abba((s) => { s.invariants = [{ name: 'cpu0 is done', check: (v: any) => v.actor('cpu0').status === 'done' || 'cpu0 is not done' }]; });", argv: ['explore', '$M'], code: 1, says: "invariant 'cpu0 is done' violated: cpu0 is not done" },

  // ---- scale (held before issue 13) ----
  { kind: 'scale', what: '1,000 actors passing a token down a line', model: ring(1000), argv: ['explore', '$M'], code: 0, says: /verified: every reachable state explored, no violation \(1,001 states/u },
  { kind: 'scale', what: 'a 10^8-state model stops at --max-states', model: counters(27), argv: ['explore', '$M', '--max-states', '20000'], code: 3, says: 'incomplete: bound maxStates = 20,000 tripped; nothing is proven' },
  { kind: 'scale', what: 'a 10^8-state model stops at --max-depth', model: counters(27), argv: ['explore', '$M', '--max-depth', '3', '--strategy', 'dfs', '--max-states', '200000'], code: 3, says: 'bound maxDepth' },
  { kind: 'scale', what: 'a 10^8-state model stops at --time-limit', model: counters(27), argv: ['explore', '$M', '--time-limit', '300ms'], code: 3, says: 'bound timeLimit' },

  // ---- tokens (malformed tokens held; corruption and changed models are issue 13 item 5) ----
  { kind: 'token', what: 'no prefix', argv: ['replay', `${M}@xyz`], code: 2, says: "interleave replay: replay token 'xyz' is malformed: it should start with 'il2_'" },
  { kind: 'token', what: 'an unknown version', argv: ['replay', `${M}@il9_AQID`], code: 2, says: "its prefix 'il9_' is of a version this interleave does not read (it reads 'il2_' and 'il1_')" },
  { kind: 'token', what: 'punctuation in it', argv: ['replay', `${M}@il2_!!`], code: 2, says: "replay token 'il2_!!' is corrupt: character 1 after the prefix, '!', is not base64url (A-Z a-z 0-9 - _); it was changed, cut or mistyped in copying" },
  { kind: 'token', what: 'an accented letter', argv: ['replay', `${M}@il2_AgNé`], code: 2, says: 'character 4 after the prefix, U+00E9, is not base64url' },
  { kind: 'token', what: 'an escape code in it', argv: ['replay', `${M}@il2_Ag\u001b[2J`], code: 2, says: "replay token 'il2_Ag?[2J' is corrupt: character 3 after the prefix, U+001B" },
  { kind: 'token', what: 'nothing after the prefix', argv: ['replay', `${M}@il2_`], code: 2, says: 'is corrupt: it is too short to hold a checksum' },
  { kind: 'token', what: 'cut short', argv: ['replay', `${M}@$T{abba-cut}`], code: 2, says: 'is corrupt: ' },
  { kind: 'token', what: 'one character changed', argv: ['replay', `${M}@$T{abba-flipped}`], code: 2, says: 'is corrupt: its checksum does not match; it was changed, cut or mistyped in copying: copy it again from the report' },
  { kind: 'token', what: 'one character added', argv: ['replay', `${M}@$T{abba-added}`], code: 2, says: 'is corrupt: ' },
  { kind: 'token', what: 'one character lost', argv: ['replay', `${M}@$T{abba-lost}`], code: 2, says: 'is corrupt: ' },
  { kind: 'token', what: 'two characters swapped', argv: ['replay', `${M}@$T{abba-swapped}`], code: 2, says: 'is corrupt: ' },
  { kind: 'token', what: 'an old il1_ token cut short', argv: ['replay', `${M}@il1_AQ`], code: 2, says: "replay token 'il1_AQ' is malformed: it ends early" },
  { kind: 'token', what: 'a token of a system with another number of actors', argv: ['replay', 'DP/buggy/3@$T{abba}', '--catalogue', CAT], code: 2, says: "replay token was recorded on a system of 3 actors; 'dining-philosophers-3' has 6 (phil0, phil1, phil2, fork0, fork1, fork2)" },

  // ---- replay: the right answer on the same, a changed and an older model ----
  { kind: 'replay', what: 'a token on its own model', argv: ['replay', `${M}@$T{abba}`], code: 1, says: "! deadlock: no actor can take a step, and 'cpu0' waits for vgic.lock (held by cpu1)" },
  { kind: 'replay', what: 'a token and the target as two arguments', argv: ['replay', M, '$T{abba}'], code: 1, says: '! deadlock: ' },
  { kind: 'replay', what: 'a token on a model whose message type changed (was exit 0)', model: pingModel('pong'), argv: ['replay', '$M', '$T{ping}'], code: 1, says: "replay diverged at step 2: 'b' took 'pong', but the token recorded another message for this step (the model changed since the token was made)" },
  { kind: 'replay', what: 'a token on the fixed model', argv: ['replay', FIXED, '$T{abba}'], code: 1, says: /replay diverged at step \d+: /u },
  { kind: 'replay', what: 'an il1_ token from an older report', argv: ['replay', `${M}@il1_AQNygl4xCAADAQYCBAAFAgQBBgIEAgQ`], code: 1, says: '! deadlock: ', check: (r) => expectIn(r.err, 'note: this is a version 1 token (il1_): it has no step digests and no checksum') },
  { kind: 'replay', what: 'target@token and an extra argument', argv: ['replay', `${M}@$T{abba}`, 'extra'], code: 2, says: "unexpected argument 'extra': the token is already joined to the target in 'examples/twoCpuLock.ts@il2_" },
  { kind: 'replay', what: 'a token without a target', argv: ['replay', '@$T{abba}'], code: 2, says: "missing target before '@il2_" },
  { kind: 'replay', what: 'a target without a token', argv: ['replay', `${M}@`], code: 2, says: `missing token after '${M}@'` },
  { kind: 'replay', what: 'a target and no token at all', argv: ['replay', M], code: 2, says: 'missing token: write <target>@<token>' },
  { kind: 'replay', what: 'nothing to replay', argv: ['replay'], code: 2, says: 'interleave replay: missing <target@token>' },
  { kind: 'replay', what: 'a token on a missing file', argv: ['replay', 'spec/out/hostile/missing.ts@$T{abba}'], code: 2, says: 'model file spec/out/hostile/missing.ts does not exist' },
  { kind: 'replay', what: 'a forged token of 3,000 evidence executions: the replaying line shows its start (was the whole token)', model: pingModel('ping'), argv: ['replay', '$M', '$T{ping-evidence}'], code: 1, says: /^replaying il2_\S{56}\.\.\. \([\d,]+ characters\) \(2 steps\) on /mu, check: (r) => expect(r.out.split('\n')[0]?.length).toBeLessThan(200) },
  { kind: 'replay', what: 'evidence executions on a system without checkers are said to change nothing', model: pingModel('ping'), argv: ['replay', '$M', '$T{ping-evidence}'], code: 1, says: 'replayed 3,000 evidence executions first, though no checker runs on this system to read them: they change nothing here' },
  { kind: 'replay', what: 'a forged token of no steps whose digest is not that of none (was "diverged by step 0 ... matched by chance")', model: pingModel('ping'), argv: ['replay', '$M', '$T{ping-empty}'], code: 1, says: 'replay cannot check the token: it has no steps, but its digest is that of some steps' },
  { kind: 'replay', what: 'replay --json of a changed model', model: pingModel('pong'), argv: ['replay', '$M', '$T{ping}', '--json'], code: 1, says: '"divergence": {', check: (r) => expectJson(r.out) },

  // ---- view (held before issue 13, except a directory) ----
  { kind: 'view', what: 'a missing report', argv: ['view', 'nope.json'], code: 2, says: 'interleave view: report nope.json does not exist' },
  { kind: 'view', what: 'a directory (was "is not JSON: EISDIR")', argv: ['view', 'spec'], code: 2, says: 'interleave view: report spec is a directory, not a file: name a JSON report written with --report <file>.json or --json' },
  { kind: 'view', what: 'text that is not JSON', argv: ['view', `${FIXTURES}/notJson.json`], code: 2, says: `report ${FIXTURES}/notJson.json is not JSON: ` },
  { kind: 'view', what: 'JSON null', model: 'null', ext: 'json', argv: ['view', '$M'], code: 2, says: 'cannot be viewed' },
  { kind: 'view', what: 'a JSON array', model: '[1, 2]', ext: 'json', argv: ['view', '$M'], code: 2, says: 'cannot be viewed' },
  { kind: 'view', what: 'a JSON number', model: '42', ext: 'json', argv: ['view', '$M'], code: 2, says: 'cannot be viewed' },
  { kind: 'view', what: 'an empty file', model: '', ext: 'json', argv: ['view', '$M'], code: 2, says: 'is not JSON: ' },
  { kind: 'view', what: 'a report of a later schema', argv: ['view', `${FIXTURES}/schema2.json`], code: 2, says: 'cannot be viewed: its schemaVersion is 2; this interleave reads version 1' },
  { kind: 'view', what: 'JSON that is not a report', argv: ['view', 'package.json'], code: 2, says: "cannot be viewed: it has no 'schemaVersion': it is not an interleave report" },
  { kind: 'view', what: 'a report whose runs are not a list', model: '{ "schemaVersion": 1, "runs": "x" }', ext: 'json', argv: ['view', '$M'], code: 2, says: 'cannot be viewed' },
  { kind: 'view', what: 'a report without tool whose runs are empty (was: exit 70, a TypeError)', model: '{ "schemaVersion": 1, "runs": [] }', ext: 'json', argv: ['view', '$M'], code: 2, says: 'cannot be viewed: tool is missing, as cli/SCHEMA.md defines it' },
  { kind: 'view', what: 'a report whose runs are [null] (was: exit 70)', model: '{ "schemaVersion": 1, "runs": [null] }', ext: 'json', argv: ['view', '$M'], code: 2, says: 'cannot be viewed: tool is missing' },
  { kind: 'view', what: 'a whole report whose one run is null', argv: ['view', 'spec/out/hostile/report-run-null.json'], code: 2, says: 'report spec/out/hostile/report-run-null.json cannot be viewed: runs[0] must be an object, got null, as cli/SCHEMA.md defines it' },
  { kind: 'view', what: 'a report whose violations are [null] (was: accepted, a broken page)', argv: ['view', 'spec/out/hostile/report-violation-null.json'], code: 2, says: 'cannot be viewed: runs[0].violations[0] must be an object, got null' },
  { kind: 'view', what: "a report whose trace.steps is \"x\" (was: accepted)", argv: ['view', 'spec/out/hostile/report-steps-string.json'], code: 2, says: 'runs[0].violations[0].trace.steps must be an array, got the string "x"' },
  { kind: 'view', what: 'a report whose step has a mailbox of numbers', argv: ['view', 'spec/out/hostile/report-mailbox-numbers.json'], code: 2, says: /runs\[0\]\.violations\[0\]\.trace\.steps\[1\]\.mailboxes\[0\]\[0\] must be an object, got the number 7/u },
  { kind: 'view', what: 'a report whose verdict is unknown', argv: ['view', 'spec/out/hostile/report-verdict.json'], code: 2, says: /runs\[0\]\.verdict .*\(got the string "maybe"\)/u },
  { kind: 'view', what: 'a report whose schemaVersion is the string "1"', argv: ['view', 'spec/out/hostile/report-version-string.json'], code: 2, says: 'cannot be viewed: its schemaVersion is the string "1"; it must be the number 1, as cli/SCHEMA.md defines it' },
  // Hostile tester 2, F3: nested 100,000 deep where the schema lets unknown fields be (was exit
  // 70, a stack overflow in the escaping walk), and a UTF-8 byte order mark (was "not JSON").
  { kind: 'view', what: 'a report with a field nested 100,000 deep in a trace step', argv: ['view', 'spec/out/hostile/report-deep-extra.json', '-o', 'spec/out/hostile/deep.html'], code: 2, says: 'cannot be viewed: it nests more than 1000 levels deep (at runs[0].violations[0].trace.steps[0].colour' },
  { kind: 'view', what: 'a report with a top-level field nested 100,000 deep', argv: ['view', 'spec/out/hostile/report-deep-top.json', '-o', 'spec/out/hostile/deep.html'], code: 2, says: "nests more than 1000 levels deep (at future[0][0][0][0][0][0][0]); interleave's reports nest a few dozen at most" },
  { kind: 'view', what: 'runs nested 100,000 deep, no tool', model: `{ "schemaVersion": 1, "runs": ${'['.repeat(100_000)}${']'.repeat(100_000)} }`, ext: 'json', argv: ['view', '$M'], code: 2, says: 'nests more than 1000 levels deep (at runs[0][0][0][0][0][0][0])' },
  { kind: 'view', what: 'a report saved with a UTF-8 byte order mark is read', argv: ['view', 'spec/out/hostile/report-bom.json', '-o', 'spec/out/hostile/bom.html'], code: 0, says: 'wrote spec/out/hostile/bom.html: 1 counterexample from 1 run' },
  { kind: 'view', what: 'a report with no runs at all is fine (an empty page)', argv: ['view', 'spec/out/hostile/report-runs-empty.json', '-o', 'spec/out/hostile/empty.html'], code: 0, says: 'wrote spec/out/hostile/empty.html: 0 counterexamples from 0 runs' },
  { kind: 'view', what: 'a report with fields this version does not know is fine (SCHEMA.md: ignore them)', argv: ['view', 'spec/out/hostile/report-extra-fields.json', '-o', 'spec/out/hostile/extra.html'], code: 0, says: 'wrote spec/out/hostile/extra.html: 1 counterexample from 1 run' },
  { kind: 'view', what: 'a page that is not .html', argv: ['view', 'package.json', '-o', 'out.txt'], code: 2, says: "option --output must name an .html file, got 'out.txt'" },
  { kind: 'view', what: 'a page under /proc', argv: ['view', 'spec/out/hostile/report.json', '-o', '/proc/nope/x.html'], code: 2, says: 'cannot write /proc/nope/x.html' },
  {
    kind: 'view',
    what: 'script injection from model text',
    argv: ['view', 'spec/out/hostile/hostileReport.json', '-o', 'spec/out/hostile/hostile.html'],
    code: 0,
    says: 'wrote spec/out/hostile/hostile.html: 1 counterexample from 1 run',
    check: () => expectSafePage('spec/out/hostile/hostile.html'),
  },

  // ---- escaping: model text reaches every output as text (issue 13 item 8) ----
  { kind: 'escaping', what: 'a clear-screen code in an actor name', model: escapes(), argv: ['explore', '$M'], code: 1, says: "assertion failed in actor 'a\\u001b[2J\\u001b[H'" },
  { kind: 'escaping', what: 'a carriage return and a fake green verdict', model: escapes(), argv: ['explore', '$M'], code: 1, says: '\\u000d\\u001b[32mverified: every reachable state explored' },
  { kind: 'escaping', what: 'a bidi override in a state name', model: escapes(), argv: ['explore', '$M'], code: 1, says: 'x\\u202eevil' },
  { kind: 'escaping', what: 'the Markdown report', model: escapes(), argv: ['explore', '$M', '--report', 'spec/out/hostile/escapes.md'], code: 1, says: 'wrote spec/out/hostile/escapes.md', in: 'err', check: () => expectSafeMarkdown('spec/out/hostile/escapes.md') },
  { kind: 'escaping', what: 'the JUnit report', model: escapes(), argv: ['explore', '$M', '--report', 'spec/out/hostile/escapes.xml'], code: 1, says: 'wrote spec/out/hostile/escapes.xml', in: 'err', check: () => expectNoControl(readOut('escapes.xml'), 'escapes.xml') },
  { kind: 'escaping', what: 'the text report', model: escapes(), argv: ['explore', '$M', '--report', 'spec/out/hostile/escapes.txt'], code: 1, says: 'wrote spec/out/hostile/escapes.txt', in: 'err', check: () => expectNoControl(readOut('escapes.txt'), 'escapes.txt') },
  { kind: 'escaping', what: 'the JSON report', model: escapes(), argv: ['explore', '$M', '--report', 'spec/out/hostile/escapes.json'], code: 1, says: 'wrote spec/out/hostile/escapes.json', in: 'err', check: () => expectJson(readOut('escapes.json')) },
  { kind: 'escaping', what: 'the viewer', model: escapes(), argv: ['explore', '$M', '--report', 'spec/out/hostile/escapes.html'], code: 1, says: 'wrote spec/out/hostile/escapes.html', in: 'err', check: () => expectSafePage('spec/out/hostile/escapes.html') },
  { kind: 'escaping', what: 'a backtick fence in a Mermaid message', model: pingModel('```'), argv: ['explore', '$M', '--report', 'spec/out/hostile/fence.md'], code: 1, says: 'wrote spec/out/hostile/fence.md', in: 'err', check: () => expectSafeMarkdown('spec/out/hostile/fence.md') },
  { kind: 'escaping', what: 'an escape code in a file name', argv: ['explore', 'spec/out/hostile/\u001b[2Jmissing.ts'], code: 2, says: 'model file spec/out/hostile/\\u001b[2Jmissing.ts does not exist' },
  { kind: 'escaping', what: 'an escape code in a scenario key', argv: ['explore', 'C\u001b[31m1', '--catalogue', CAT], code: 2, says: "no scenario 'C\\u001b[31m1'" },
  { kind: 'escaping', what: 'an escape code in an error message', model: "export default () => { throw new Error('\\u001b[2Jgone'); };", argv: ['explore', '$M'], code: 2, says: 'threw when called: \\u001b[2Jgone' },
  { kind: 'escaping', what: 'an escape code in the JSON output', model: escapes(), argv: ['explore', '$M', '--json'], code: 1, says: '\\u001b[2J', check: (r) => expectJson(r.out) },

  // ---- JSON on stdout ----
  { kind: 'json', what: 'explore --json', argv: ['explore', M, '--json'], code: 1, says: '"schemaVersion": 1', check: (r) => expectJson(r.out) },
  { kind: 'json', what: 'list --json', argv: ['list', '--json', '--catalogue', CAT], code: 0, says: '"entries"', check: (r) => expectJson(r.out) },
  { kind: 'json', what: 'run --json', argv: ['run', '--json', '--catalogue', CAT], code: 0, says: '"summary"', check: (r) => expectJson(r.out) },
  { kind: 'json', what: "explore --json of a model that prints (console.log at load, in a guard and an assign; was: stdout not JSON)", run: 'bin', model: chatty('explore'), argv: ['explore', '$M', '--json'], code: 1, says: '"schemaVersion": 1', check: (r) => { expectJson(r.out); expectIn(r.err, 'loading my model'); expectIn(r.err, 'guard ran'); expectIn(r.err, 'assign ran'); } },
  { kind: 'json', what: 'the same with parallel-bfs (the model runs in more threads)', run: 'bin', model: chatty('explore'), argv: ['explore', '$M', '--json', '--strategy', 'parallel-bfs'], code: 1, says: '"schemaVersion": 1', check: (r) => { expectJson(r.out); expectIn(r.err, 'guard ran'); } },
  { kind: 'json', what: 'the same with dpor', run: 'bin', model: chatty('explore'), argv: ['explore', '$M', '--json', '--strategy', 'dpor'], code: 1, says: '"schemaVersion": 1', check: (r) => { expectJson(r.out); expectIn(r.err, 'assign ran'); } },
  { kind: 'json', what: 'run --json of a catalogue whose models print', run: 'bin', model: chatty('catalogue'), argv: ['run', '--json', '--catalogue', '$M'], code: 1, says: '"summary"', check: (r) => { expectJson(r.out); expectIn(r.err, 'loading my model'); expectIn(r.err, 'guard ran'); } },
  { kind: 'json', what: 'list --json of a catalogue that prints when loaded', run: 'bin', model: chatty('catalogue'), argv: ['list', '--json', '--catalogue', '$M'], code: 0, says: '"entries"', check: (r) => { expectJson(r.out); expectIn(r.err, 'loading my model'); } },
  { kind: 'json', what: 'npm start -- --json (npm printed its banner on stdout)', run: 'npm', argv: ['--scenario', 'C1/fixed/2g', '--json'], code: 0, says: '"schemaVersion": 1', check: (r) => expectJson(r.out) },

  // ---- Ctrl-C (issue 13 item 7) ----
  { kind: 'ctrl-c', what: 'Ctrl-C during explore', argv: ['explore', `${FIXTURES}/big.ts`], abortAfterMs: 400, code: 3, says: 'incomplete: interrupted (Ctrl-C) before the search ended; nothing is proven' },
  { kind: 'ctrl-c', what: 'Ctrl-C during a catalogue run keeps the rows done', argv: ['run', '--catalogue', '$M'], model: bigCatalogue(), abortAfterMs: 1500, code: 3, says: /interrupted \(Ctrl-C\): ran [1-3] of 3 entries; the last one run was stopped/u, check: (r) => expect(r.out).toMatch(/^DP +buggy +3 philosophers +deadlock +deadlock +yes /mu) },
  { kind: 'ctrl-c', what: 'Ctrl-C to the interleave process', run: 'bin', argv: ['explore', `${FIXTURES}/big.ts`], sigintAfter: 'Ctrl-C stops', code: 3, says: 'incomplete: interrupted (Ctrl-C)' },
  { kind: 'ctrl-c', what: 'Ctrl-C through npm start (was: every finished row lost)', run: 'npm', argv: ['--catalogue', '$M'], model: bigCatalogue(), sigintAfter: 'Ctrl-C stops', sigintDelayMs: 2500, code: 3, says: /interrupted \(Ctrl-C\): ran [1-3] of 3 entries/u },
  { kind: 'ctrl-c', what: 'Ctrl-C through npx (was exit 130)', run: 'npx', argv: ['explore', `${FIXTURES}/big.ts`], sigintAfter: 'Ctrl-C stops', code: 3, says: 'incomplete: interrupted (Ctrl-C)' },

  // ---- transitions that never return (issue 13 item 1) ----
  { kind: 'hang', what: 'an eventless cycle behind a guard', model: "export default one({ i: { on: { go: 'b' } }, b: { always: { guard: () => true, target: 'c' } }, c: { always: { guard: () => true, target: 'b' } } });", argv: ['explore', '$M'], code: 2, says: "actor 'a' in state 'i' on message 'go': the step did not come to rest after 10,000 microsteps: eventless ('always') transitions or raised events form a cycle" },
  { kind: 'hang', what: 'an eventless cycle behind a guard, entered at the start', model: "export default one({ i: { always: { guard: () => true, target: 'j' } }, j: { always: { guard: ({ context }: any) => context.x === 0, target: 'i' } } }, { context: { x: 0 } });", argv: ['explore', '$M'], code: 2, says: "actor 'a' entering its initial state: the step did not come to rest" },
  { kind: 'hang', what: 'an eventless self-transition that assigns, behind a guard', model: "export default one({ i: { on: { go: 'b' } }, b: { always: { guard: () => true, actions: assign({ n: ({ context }: any) => context.n + 1 }) } } }, { context: { n: 0 } });", argv: ['explore', '$M', '--strategy', 'dfs'], code: 2, says: "actor 'a' in state 'i' on message 'go': the step did not come to rest" },
  { kind: 'hang', what: 'an event raised to itself forever', model: "export default one({ i: { on: { go: { actions: raise({ type: 'go' }) } } } });", argv: ['explore', '$M', '--strategy', 'random'], code: 2, says: 'eventless (\'always\') transitions or raised events form a cycle' },
  { kind: 'hang', what: 'a model file whose top-level code is busy for 5 s, --time-limit 2s: the search thread is stopped while it loads the file', run: 'bin', model: "const until = performance.now() + 5000; while (performance.now() < until) { /* busy */ }\nexport default one({ i: { on: { go: 'i' } } }, { actor: { daemon: true } });", argv: ['explore', '$M', '--time-limit', '2s'], code: 3, says: 'the search thread, still loading the model file, did not stop within' },
  { kind: 'hang', what: 'an infinite loop in a guard', run: 'bin', model: "export default one({ i: { on: { go: { guard: () => { for (;;); }, target: 'd' } } }, d: done });", argv: ['explore', '$M', '--time-limit', '15s'], code: 3, says: 'did not return within' },
  { kind: 'hang', what: 'an infinite loop in an assign', run: 'bin', model: "export default one({ i: { on: { go: { actions: assign(() => { for (;;); }), target: 'd' } } }, d: done });", argv: ['explore', '$M', '--time-limit', '15s'], code: 3, says: 'did not return within' },
  { kind: 'hang', what: 'Ctrl-C during a transition that never returns', run: 'bin', model: "export default one({ i: { on: { go: { guard: () => { for (;;); }, target: 'd' } } }, d: done });", argv: ['explore', '$M'], sigintAfter: 'still in', sigintDelayMs: 100, code: 3, says: "incomplete: interrupted (Ctrl-C)", check: (r) => { expectIn(r.out, "note: actor 'a' in state 'i' on message 'go' did not return within"); expectIn(r.err, "still in actor 'a' in state 'i' on message 'go' after a second"); } },
  { kind: 'hang', what: 'a guard that never returns, no time limit: the step time limit', run: 'bin', model: "export default one({ i: { on: { go: { guard: () => { for (;;); }, target: 'd' } } }, d: done });", argv: ['explore', '$M', '--step-time-limit', '1500ms', '--strategy', 'dfs'], code: 3, says: "incomplete: bound stepTimeMs = 1,500 tripped; nothing is proven", check: (r) => expectIn(r.out, "actor 'a' in state 'i' on message 'go' did not return within") },
  { kind: 'hang', what: 'an assign that never returns after a violation was found: the violation is kept', run: 'bin', model: "export default { name: 'h', actors: [{ name: 'a', machine: createMachine({ id: 'a', initial: 'i', states: { i: { on: { go: { target: 'i', actions: assertThat(() => false, 'first') } } } } }) }, { name: 'b', machine: createMachine({ id: 'b', initial: 'i', states: { i: { on: { go: { target: 'j', actions: send('b', { type: 'again' }) } } }, j: { on: { again: { actions: assign(() => { for (;;); }) } } } } }) }], initialMessages: [{ to: 'a', event: { type: 'go' } }, { to: 'b', event: { type: 'go' } }] };", argv: ['explore', '$M', '--step-time-limit', '1s', '--max-violations', '5'], code: 1, says: 'violation: assertion', check: (r) => { expectIn(r.out, "actor 'b' in state 'j' on message 'again' did not return within"); expectIn(r.out, 'replay: npx interleave replay'); } },
  { kind: 'hang', what: 'a guard that never returns, strategy dpor', run: 'bin', model: "export default one({ i: { on: { go: { guard: () => { for (;;); }, target: 'd' } } }, d: done });", argv: ['explore', '$M', '--step-time-limit', '1s', '--strategy', 'dpor'], code: 3, says: "actor 'a' in state 'i' on message 'go' did not return within" },
  { kind: 'hang', what: 'a guard that never returns, strategy symmetry', run: 'bin', model: "export default one({ i: { on: { go: { guard: () => { for (;;); }, target: 'd' } } }, d: done });", argv: ['explore', '$M', '--step-time-limit', '1s', '--strategy', 'symmetry'], code: 3, says: "actor 'a' in state 'i' on message 'go' did not return within" },
  { kind: 'hang', what: 'a guard that never returns, strategy bounded', run: 'bin', model: "export default one({ i: { on: { go: { guard: () => { for (;;); }, target: 'd' } } }, d: done });", argv: ['explore', '$M', '--step-time-limit', '1s', '--strategy', 'bounded'], code: 3, says: "actor 'a' in state 'i' on message 'go' did not return within" },
  { kind: 'hang', what: 'a guard that never returns, strategy pct', run: 'bin', model: "export default one({ i: { on: { go: { guard: () => { for (;;); }, target: 'd' } } }, d: done });", argv: ['explore', '$M', '--step-time-limit', '1s', '--strategy', 'pct'], code: 3, says: "actor 'a' in state 'i' on message 'go' did not return within" },
  { kind: 'hang', what: 'a guard that never returns, strategy random', run: 'bin', model: "export default one({ i: { on: { go: { guard: () => { for (;;); }, target: 'd' } } }, d: done });", argv: ['explore', '$M', '--step-time-limit', '1s', '--strategy', 'random'], code: 3, says: "actor 'a' in state 'i' on message 'go' did not return within" },
  { kind: 'hang', what: 'a guard that never returns, parallel-bfs (2 workers) with a time limit', run: 'bin', model: "export default one({ i: { on: { go: { guard: () => { for (;;); }, target: 'd' } } }, d: done });", argv: ['explore', '$M', '--time-limit', '2s', '--workers', '2'], code: 3, says: 'incomplete: bound timeLimitMs = 2,000 tripped' },

  // ---- memory (issue 13 item 2) ----
  { kind: 'memory', what: 'a context of 500 numbers that changes on every step, in a 64MB heap (was: V8 fatal error, exit 134)', run: 'bin', node: ['--max-old-space-size=64'], model: growing(), argv: ['explore', '$M'], code: 3, says: /incomplete: bound maxMemoryBytes = [\d,]+ tripped; nothing is proven \([1-9][\d,]* states/u, check: (r) => expectIn(r.out, 'use hash compaction') },
  { kind: 'memory', what: 'the same with --max-memory 40MB and the strategy dfs', run: 'bin', node: ['--max-old-space-size=256'], model: growing(), argv: ['explore', '$M', '--max-memory', '40MB', '--strategy', 'dfs'], code: 3, says: 'incomplete: bound maxMemoryBytes = 41,943,040 tripped' },
  { kind: 'memory', what: 'the same with the strategy symmetry', run: 'bin', node: ['--max-old-space-size=64'], model: growing(), argv: ['explore', '$M', '--strategy', 'symmetry'], code: 3, says: 'bound maxMemoryBytes' },
  { kind: 'memory', what: 'one step that sends 100,000 messages, in a 256MB heap (was: the worker ran out of heap, "maxMemoryBytes = 0")', run: 'bin', node: ['--max-old-space-size=256'], model: burst(100_000), argv: ['explore', '$M'], code: 3, says: /incomplete: bound maxMemoryBytes = [1-9][\d,]+ tripped; nothing is proven \(1 states, 0 transitions/u },
  { kind: 'hang', what: 'one step that sends 100,000 messages, --time-limit 15s (was: stopped after 48 s)', run: 'bin', model: burst(100_000), argv: ['explore', '$M', '--time-limit', '15s'], code: 3, says: 'incomplete: bound timeLimitMs = 15,000 tripped', check: (r) => expect(searchMs(r.out)).toBeLessThanOrEqual(17_000) },
  { kind: 'memory', what: '--max-memory more than the heap', argv: ['explore', M, '--max-memory', '99999GB'], code: 2, says: "option --max-memory 102,398,976MB is more than node's heap limit" },
  { kind: 'memory', what: '--max-memory 99999999GB (was: "must be at least 1MB")', argv: ['explore', M, '--max-memory', '99999999GB'], code: 2, says: "option --max-memory is too large: at most 8,388,607GB (the largest byte count it can hold), got '99999999GB'" },
  { kind: 'memory', what: '--max-memory below 1MB', argv: ['explore', M, '--max-memory', '512KB'], code: 2, says: "option --max-memory must be a size of at least 1MB: megabytes (512), or with a unit (512MB, 2GB), got '512KB'" },
  { kind: 'memory', what: '--max-memory in an unknown unit', argv: ['explore', M, '--max-memory', '2TB'], code: 2, says: "got '2TB'" },
  { kind: 'memory', what: '--max-memory zero', argv: ['explore', M, '--max-memory', '0'], code: 2, says: "got '0'" },
  { kind: 'memory', what: '--max-memory that holds the search is fine', argv: ['explore', M, '--max-memory', '1GB'], code: 1, says: 'violation: deadlock' },

  // ---- nondeterminism (issue 13 item 4) ----
  { kind: 'nondeterminism', what: 'a guard that reads Math.random()', model: "export default one({ i: { on: { go: [{ guard: () => Math.random() < 0.5, target: 'd' }, { target: 'e' }] } }, d: done, e: done });", argv: ['explore', '$M'], code: 2, says: "not deterministic: actor 'a' in state 'i' on message 'go'" },
  { kind: 'nondeterminism', what: 'an assign that reads Date.now()', model: "export default one({ i: { on: { go: { target: 'd', actions: assign({ t: () => Date.now() }) } } }, d: done }, { context: { t: 0 } });", argv: ['explore', '$M'], code: 2, says: "not deterministic: actor 'a' in state 'i' on message 'go'" },
  { kind: 'nondeterminism', what: 'a guard that counts its calls in module state', model: "let n = 0;\nexport default one({ i: { on: { go: [{ guard: () => n++ % 2 === 0, target: 'd' }, { target: 'e' }] } }, d: done, e: done });", argv: ['explore', '$M'], code: 2, says: "not deterministic: actor 'a' in state 'i' on message 'go': two evaluations of the same step gave different results" },
  { kind: 'nondeterminism', what: 'an assign that counts in module state', model: "let n = 0;\nexport default one({ i: { on: { go: { target: 'd', actions: assign({ t: () => n++ }) } } }, d: done }, { context: { t: 0 } });", argv: ['explore', '$M', '--strategy', 'dpor'], code: 2, says: /two evaluations of the same step gave different results \(state 'd' with context \{"t":\d+\}; then state 'd' with context \{"t":\d+\}\)/u },
  { kind: 'nondeterminism', what: 'a guard that makes a new Date()', model: "export default one({ i: { on: { go: [{ guard: () => new Date().getMilliseconds() % 2 === 0, target: 'd' }, { target: 'e' }] } }, d: done, e: done });", argv: ['explore', '$M', '--strategy', 'pct'], code: 2, says: 'called new Date()' },
  { kind: 'nondeterminism', what: 'an assign that reads performance.now()', model: "export default one({ i: { on: { go: { target: 'd', actions: assign({ t: () => Math.floor(performance.now()) }) } } }, d: done }, { context: { t: 0 } });", argv: ['explore', '$M', '--strategy', 'symmetry'], code: 2, says: 'called performance.now()' },
  { kind: 'nondeterminism', what: 'a message parameter from crypto.randomUUID()', model: "export default one({ i: { on: { go: { target: 'd', actions: send('a', () => ({ type: 'x', id: crypto.randomUUID() })) } } }, d: done });", argv: ['explore', '$M', '--strategy', 'bounded'], code: 2, says: 'called crypto.randomUUID()' },
  { kind: 'nondeterminism', what: 'an initial context from Math.random()', model: "export default one({ i: { on: { go: 'i' } } }, { context: () => ({ x: Math.random() }) });", argv: ['explore', '$M'], code: 2, says: "not deterministic: actor 'a' entering its initial state: a guard, assign or action parameter called Math.random()" },
  { kind: 'nondeterminism', what: 'a guard that catches the trap', model: "export default one({ i: { on: { go: [{ guard: () => { try { return Math.random() < 0.5; } catch { return true; } }, target: 'd' }, { target: 'e' }] } }, d: done, e: done });", argv: ['explore', '$M'], code: 2, says: 'called Math.random()' },
  { kind: 'nondeterminism', what: 'an assign that changes the message in place', model: "export default one({ i: { on: { go: { target: 'i', actions: assign(({ event }: any) => { event.n = (event.n ?? 0) + 1; return {}; }) } } } }, { actor: { daemon: true } });", argv: ['explore', '$M'], code: 2, says: 'changes the message in place' },
  { kind: 'nondeterminism', what: 'an assign that mutates the context in place', model: "export default one({ i: { on: { go: { target: 'i', actions: assign(({ context }: any) => { context.list.push(1); return {}; }) } } } }, { context: { list: [] }, system: { initialMessages: [{ to: 'a', event: { type: 'go' } }, { to: 'a', event: { type: 'go' } }] }, actor: { daemon: true } });", argv: ['explore', '$M'], code: 2, says: 'changes its context in place' },
  // Module state one actor's assign writes and another's guard reads (hostile tester 2, F2): a
  // false violation whose 1-step trace never ran the writer, or "verified", by the actor order.
  // The first is caught in the command's own thread, where the model is fresh (a process: the
  // in-process rows search in the test's thread).
  { kind: 'nondeterminism', what: 'module state written by a, read by b (a listed first)', model: MODSTATE('a'), argv: ['explore', '$M'], run: 'bin', code: 2, says: "not deterministic: actor 'b' in state 'i' on message 'go' (step 1 of a counterexample) gives a different result depending on which other steps were evaluated before it: run alone in a freshly loaded model, it goes to state 'd'; after the other enabled steps were evaluated, as the search does, it goes to state 'd', assertion" },
  { kind: 'nondeterminism', what: 'module state written by a, read by b (a listed first), dpor', model: MODSTATE('a'), argv: ['explore', '$M', '--strategy', 'dpor'], run: 'bin', code: 2, says: "not deterministic: actor 'b' in state 'i' on message 'go' (step 1 of a counterexample)" },
  { kind: 'nondeterminism', what: 'module state written by a, read by b (b listed first)', model: MODSTATE('b'), argv: ['explore', '$M'], code: 2, says: "not deterministic: actor 'b' in state 'i' on message 'go': evaluated again after the search, the step gives a different result (the search used: state 'd'; now: state 'd', assertion \"b saw a's write\")" },
  { kind: 'nondeterminism', what: 'module state written by a, read by b (b listed first), dfs', model: MODSTATE('b'), argv: ['explore', '$M', '--strategy', 'dfs'], code: 2, says: "not deterministic: actor 'b' in state 'i' on message 'go': evaluated again after the search" },
  { kind: 'nondeterminism', what: 'module state written by a, read by b (b listed first), dpor', model: MODSTATE('b'), argv: ['explore', '$M', '--strategy', 'dpor'], code: 2, says: "not deterministic: actor 'b' in state 'i' on message 'go': evaluated again after the search" },
  { kind: 'nondeterminism', what: 'module state written by a, read by b (b listed first), pct', model: MODSTATE('b'), argv: ['explore', '$M', '--strategy', 'pct'], code: 2, says: "not deterministic: actor 'b' in state 'i' on message 'go': evaluated again after the search" },
];

/** 1,000 actors in a line: each passes the token to the next and is done. */
function ring(n: number): string {
  return `
const node = (i: number) => createMachine({ id: 'n' + i, initial: 'wait', states: { wait: { on: { token: { target: 'end', actions: i + 1 < ${n} ? send('n' + (i + 1), { type: 'token' }) : [] } } }, end: done } });
export default { name: 'line', actors: Array.from({ length: ${n} }, (_, i) => ({ name: 'n' + i, machine: node(i) })), initialMessages: [{ to: 'n0', event: { type: 'token' } }] };`;
}

/** `n` independent counters, each stepping 0..1 on its own: 2^n states (n = 27: about 1.3 * 10^8). */
function counters(n: number): string {
  return `
const counter = (i: number) => createMachine({ id: 'c' + i, initial: 'z', states: { z: { on: { tick: 'o' } }, o: done } });
export default { name: 'counters', actors: Array.from({ length: ${n} }, (_, i) => ({ name: 'c' + i, machine: counter(i) })), initialMessages: Array.from({ length: ${n} }, (_, i) => ({ to: 'c' + i, event: { type: 'tick' } })) };`;
}

/** A model whose every name and message is built to fool a terminal. */
function escapes(): string {
  return `
const name = 'a\\u001b[2J\\u001b[H';
const m = createMachine({ id: 'a', initial: 'x\\u202eevil', states: { 'x\\u202eevil': { on: { 'go\\u0007': { target: 'y', actions: assertThat(() => false, '\\r\\u001b[32mverified: every reachable state explored\\u001b[0m <script>alert(1)</script> \`\`\` #') } } }, y: done } });
export default { name: 'evil\\u001b]0;title\\u0007', actors: [{ name, machine: m }], initialMessages: [{ to: name, event: { type: 'go\\u0007' } }] };`;
}

/** A catalogue of two quick entries, then one too big to finish. */
function bigCatalogue(): string {
  return `
import { catalogue as small } from '../../cli/fixtures/catalogue.js';
import { diningPhilosophers } from '../../../scenarios/classic/diningPhilosophers.js';
export const catalogue = [...small, { ...small[1], key: 'DP/fixed/8', config: '8 philosophers', build: () => diningPhilosophers({ n: 8, ordered: true }) }];`;
}

/** `a` sends `b` `n` messages in one step (mailbox bound 1,000,000); `b` takes them one by one. */
function burst(n: number): string {
  return `
const a = createMachine({ id: 'a', initial: 'i', states: { i: { on: { go: { target: 'd', actions: Array.from({ length: ${n} }, (_, i) => send('b', { type: 'x', i })) } } }, d: done } });
const b = createMachine({ id: 'b', initial: 'i', states: { i: { on: { x: 'i' } } } });
export default { name: 'burst', actors: [{ name: 'a', machine: a }, { name: 'b', machine: b, daemon: true }], initialMessages: [{ to: 'a', event: { type: 'go' } }], mailboxBound: 1_000_000 };`;
}

/**
 * A model that prints: console.log when its module loads, console.info in a guard, process.stdout.write
 * in an assign; `b` asserts. As a catalogue: one entry building it.
 */
function chatty(as: 'explore' | 'catalogue'): string {
  const system = `{ name: 'chatty', actors: [
  { name: 'a', machine: createMachine({ id: 'a', initial: 'i', states: { i: { on: { go: { guard: () => { console.info('guard ran'); return true; }, target: 'd', actions: [assign(() => { process.stdout.write('assign ran\\n'); return {}; }), send('b', { type: 'x' })] } } }, d: done } }) },
  { name: 'b', machine: createMachine({ id: 'b', initial: 'i', states: { i: { on: { x: { target: 'd', actions: assertThat(() => false, 'b got x') } } }, d: done } }) },
], initialMessages: [{ to: 'a', event: { type: 'go' } }] }`;
  return `console.log('loading my model');
${as === 'explore' ? `export default ${system};` : `export const catalogue = [{ id: 'C', key: 'C/a/1', variant: 'a', config: '1', title: 't', source: 's', expected: { verdict: 'verified' }, build: () => (${system}) }];`}`;
}

/** The search's milliseconds on a result line ('(1 states, ..., 13,357 ms, strategy bfs)'). */
function searchMs(out: string): number {
  const ms = /, ([\d,]+) ms, strategy /u.exec(out)?.[1];
  expect(ms, 'a result line with the time').toBeDefined();
  return Number((ms as string).replace(/,/gu, ''));
}

/** One actor whose 500-number context changes on every step, forever. */
function growing(): string {
  return `
const m = createMachine({ id: 'a', initial: 'i', context: { xs: Array.from({ length: 500 }, () => 0), n: 0 }, states: { i: { on: { go: { actions: [assign(({ context }: any) => ({ n: context.n + 1, xs: context.xs.map((x: number, i: number) => (i === context.n % 500 ? x + 1 : x)) })), send('a', { type: 'go' })] } } } } });
export default { name: 'growing', actors: [{ name: 'a', machine: m, daemon: true }], initialMessages: [{ to: 'a', event: { type: 'go' } }] };`;
}

/** A marker REPORT_DAMAGE leaves where hostile.spec.ts writes arrays nested 100,000 deep (JSON.stringify cannot). */
export const DEEP = '__nested 100,000 deep__';

/** Damaged copies of a real JSON report (written by the spec as spec/out/hostile/report-NAME.json). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const REPORT_DAMAGE: Record<string, (r: any) => void> = {
  'run-null': (r) => (r.runs[0] = null),
  'violation-null': (r) => (r.runs[0].violations[0] = null),
  'steps-string': (r) => (r.runs[0].violations[0].trace.steps = 'x'),
  'mailbox-numbers': (r) => (r.runs[0].violations[0].trace.steps[1].mailboxes[0] = [7]),
  verdict: (r) => (r.runs[0].verdict = 'maybe'),
  'version-string': (r) => (r.schemaVersion = '1'),
  // Nested 100,000 deep where unknown fields may be (hostile.spec.ts puts the nesting in for DEEP).
  'deep-extra': (r) => (r.runs[0].violations[0].trace.steps[0].colour = DEEP),
  'deep-top': (r) => (r.future = DEEP),
  'runs-empty': (r) => (r.runs = []),
  'extra-fields': (r) => {
    r.future = { x: 1 };
    r.runs[0].violations[0].trace.steps[0].colour = 'red';
  },
};

// ---- checks that rows add to the ones every row gets ----

/** Control characters that act on a terminal (tab and newline are text). */
// eslint-disable-next-line no-control-regex
export const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

function expectIn(text: string, fragment: string): void {
  expect(text).toContain(fragment);
}

function expectJson(text: string): void {
  expect(() => JSON.parse(text), 'valid JSON').not.toThrow();
}

function expectNoControl(text: string, what: string): void {
  expect(RAW_CONTROL.test(text), `${what} has a raw control character`).toBe(false);
}

function readOut(name: string): string {
  return readFileSync(join(ROOT, 'spec/out/hostile', name), 'utf8');
}

/** The page shows model text as text: no markup from it, no script but the viewer's own two. */
function expectSafePage(file: string): void {
  const html = readFileSync(join(ROOT, file), 'utf8');
  expect(html).not.toMatch(/<img|<iframe|<script>alert|window\.__pwned=\d<\/script>/u);
  expect(html.match(/<\/script>/gu)).toHaveLength(2);
  expectNoControl(html, file);
}

/** Model text outside the Mermaid fence is escaped, and no model text closes the fence. */
function expectSafeMarkdown(file: string): void {
  const md = readFileSync(join(ROOT, file), 'utf8');
  expectNoControl(md, file);
  // Every fence closes with its own length, so model text inside cannot end it early; outside
  // the fences, no markup from the model.
  const open: string[] = [];
  const outside: string[] = [];
  for (const line of md.split('\n')) {
    const ticks = /^`{3,}/u.exec(line)?.[0];
    if (ticks && open.length && line === open.at(-1)) open.pop();
    else if (ticks && !open.length) open.push(ticks);
    else if (!open.length) outside.push(line);
  }
  expect(open).toEqual([]);
  expect(outside.join('\n')).not.toMatch(/<script|<img/u);
}

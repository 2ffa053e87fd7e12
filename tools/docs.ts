/**
 * Pasted outputs in README.md and docs/: find them, run them, compare them, re-paste them.
 *
 * A *transcript* is a fenced block whose first line starts with `$ `: each `$` line is a command,
 * the lines under it what the command printed (stdout and stderr in the order written), and
 * `[exit N]` its exit code. Commands run in this process through the command line's `main()`
 * (the code path of `bin/interleave.js` minus process start-up), from the repository root:
 *
 * - `$ npx interleave <args>`, and `$ npm start [-- <args>]` (= `interleave run <args>`);
 * - `$ cat <file>`;
 * - `$ npx tsx <script.ts> [args]`: a script of this repository, run as a child process (for
 *   outputs the command line does not print, such as an API's report);
 * - a trailing `> /dev/null` drops the command's stdout, as in a shell.
 *
 * Two HTML comments, invisible on GitHub, mark other generated blocks; each goes on the line
 * right before the block's opening fence:
 *
 * - `<!-- docs: file <path> -->`: the block is that file's contents;
 * - `<!-- docs: matcher-failure <module> <export> -->`: the block ends with the message of
 *   `expect(<export of module>).toBeVerified()` failing, from its `Error: ` line on (the lines
 *   above it, vitest's own, stay as pasted);
 * - `<!-- docs: skip -->`: leave the next block alone.
 *
 * {@link mask} hides what depends on the machine and its load (times, rates, memory), so a
 * transcript is compared, and re-pasted, only when something else changed.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { main } from '../cli/interleave.js';
import { resolveTarget } from '../cli/load.js';
import { interleaveMatchers } from '../cli/matchers.js';
import { replay } from '../runtime/replay.js';
import { decodeSchedule } from '../runtime/schedule.js';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** README.md and every Markdown file under docs/, relative to the root, in a stable order. */
export function docFiles(root = ROOT): string[] {
  const out = ['README.md'];
  const walk = (dir: string): void => {
    for (const e of readdirSync(join(root, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.md')) out.push(p);
    }
  };
  walk('docs');
  return out;
}

/** One generated block of a Markdown file. Lines are 0-based; `from`..`to` is the content, fences excluded. */
export type Block =
  | { kind: 'transcript'; file: string; from: number; to: number; commands: string[] }
  | { kind: 'file'; file: string; from: number; to: number; path: string }
  | { kind: 'matcher-failure'; file: string; from: number; to: number; module: string; exportName: string };

const FENCE = /^(`{3,}|~{3,})/;
const DIRECTIVE = /^<!--\s*docs:\s*(.*?)\s*-->\s*$/;

/** The generated blocks of `text` (a Markdown file called `file`). Throws on a malformed directive. */
export function findBlocks(file: string, text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  let directive: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const d = DIRECTIVE.exec(line);
    if (d) {
      directive = d[1] ?? '';
      continue;
    }
    const fence = FENCE.exec(line);
    if (!fence) {
      if (line.trim() !== '') directive = undefined;
      continue;
    }
    const open = fence[1] ?? '```';
    const close = lines.findIndex((l, k) => k > i && new RegExp(`^\\${open[0]}{${open.length},}\\s*$`).test(l));
    if (close < 0) throw new Error(`${file}:${i + 1}: a fenced block that never closes`);
    const from = i + 1;
    const to = close; // exclusive
    const here = `${file}:${i + 1}`;
    if (directive !== undefined) {
      const [verb, ...args] = directive.split(/\s+/);
      if (verb === 'file' && args.length === 1) blocks.push({ kind: 'file', file, from, to, path: args[0] ?? '' });
      else if (verb === 'matcher-failure' && args.length === 2) blocks.push({ kind: 'matcher-failure', file, from, to, module: args[0] ?? '', exportName: args[1] ?? '' });
      else if (verb !== 'skip') throw new Error(`${here}: unknown directive '<!-- docs: ${directive} -->' (known: file <path>, matcher-failure <module> <export>, skip)`);
    } else if ((lines[from] ?? '').startsWith('$ ')) {
      const commands = lines.slice(from, to).filter((l) => l.startsWith('$ ')).map((l) => l.slice(2));
      blocks.push({ kind: 'transcript', file, from, to, commands });
    }
    directive = undefined;
    i = close;
  }
  return blocks;
}

/** Splits a command line into words: whitespace-separated, with '...' and "..." quoting. */
export function words(command: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (let m = re.exec(command); m; m = re.exec(command)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

/** What a command printed (stdout and stderr interleaved as written) and its exit code. */
export interface Ran {
  output: string;
  code: number;
}

/** Runs one transcript command in this process, from the repository root. */
export async function runCommand(command: string, root = ROOT): Promise<Ran> {
  let argv = words(command);
  let dropOut = false;
  if (argv.at(-2) === '>' && argv.at(-1) === '/dev/null') {
    argv = argv.slice(0, -2);
    dropOut = true;
  }
  let output = '';
  const io = { out: (t: string) => void (dropOut ? undefined : (output += t)), err: (t: string) => void (output += t), isTTY: false };
  const [a, b, ...rest] = argv;
  if (a === 'cat' && b !== undefined && rest.length === 0) {
    return { output: readFileSync(resolve(root, b), 'utf8'), code: 0 };
  }
  if (a === 'npx' && b === 'tsx' && rest[0] !== undefined) {
    // One pipe for both streams, so they interleave as on a terminal; asynchronous, so several
    // transcripts can run side by side.
    const child = spawn('sh', ['-c', `exec "$0" --import tsx "$@" 2>&1${dropOut ? ' >/dev/null' : ''}`, process.execPath, ...rest], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
    const code = await new Promise<number>((done, fail) => {
      child.on('error', fail);
      child.on('close', (c) => done(c ?? 1));
    });
    return { output: text, code };
  }
  let cli: string[];
  if (a === 'npx' && b === 'interleave') cli = rest;
  else if (a === 'npm' && b === 'start') cli = ['run', ...(rest[0] === '--' ? rest.slice(1) : rest)];
  else throw new Error(`a transcript runs 'npx interleave ...', 'npm start ...', 'npx tsx <script>' or 'cat <file>', not '${command}'`);
  const cwd = process.cwd();
  // Commands name files relative to the root; specs already run there (and may run several
  // transcripts at once, so the directory is changed only when it must be).
  if (resolve(cwd) !== resolve(root)) process.chdir(root);
  try {
    const code = await main(cli, io);
    return { output, code };
  } finally {
    if (resolve(cwd) !== resolve(root)) process.chdir(cwd);
  }
}

/** A transcript's text: each command, its output, its exit code; a blank line between commands. */
export function transcript(runs: readonly { command: string; ran: Ran }[]): string[] {
  const lines: string[] = [];
  runs.forEach(({ command, ran }, i) => {
    if (i > 0) lines.push('');
    lines.push(`$ ${command}`, ...trimEnd(ran.output.split('\n')), `[exit ${ran.code}]`);
  });
  return lines;
}

function trimEnd(lines: string[]): string[] {
  const out = lines.map((l) => l.replace(/\s+$/, ''));
  while (out.length && out[out.length - 1] === '') out.pop();
  return out;
}

/**
 * What of an output may change from run to run without anything being wrong, hidden: times
 * (`15 ms`, `1.2 s`, and any decimal number, such as the catalogue's `time (ms)` column),
 * rates (`states/s`), memory sizes, CI progress lines; runs of spaces and table rules are
 * collapsed, since a masked number of another width moves the columns.
 */
export function mask(lines: readonly string[]): string[] {
  return lines
    .filter((l) => !/^progress: /.test(l))
    .map((l) =>
      l
        .replace(/\b\d[\d,]*(?:\.\d+)?\s?(?:ms|s)\b/g, '<time>')
        .replace(/\b\d[\d,]*(?:\.\d+)?\s?(?:[KMG]i?B|bytes)\b/g, '<size>')
        .replace(/\b\d[\d,]*\s+states\/s\b/g, '<rate>')
        .replace(/\b\d+\.\d+\b/g, '<n>')
        .replace(/-{3,}/g, '---')
        .replace(/ {2,}/g, ' ')
        .trimEnd(),
    );
}

/** The text a block should hold now, as lines. */
export async function generate(block: Block, current: readonly string[], root = ROOT): Promise<string[]> {
  if (block.kind === 'file') return trimEnd(readFileSync(resolve(root, block.path), 'utf8').split('\n'));
  if (block.kind === 'matcher-failure') {
    const mod = (await import(pathToFileURL(resolve(root, block.module)).href)) as Record<string, unknown>;
    const system = mod[block.exportName];
    if (system === undefined) throw new Error(`${block.file}: ${block.module} has no export '${block.exportName}'`);
    const result = interleaveMatchers.toBeVerified(system);
    if (result.pass) throw new Error(`${block.file}: ${block.module} ${block.exportName} is verified: there is no failure to paste`);
    const at = current.findIndex((l) => l.startsWith('Error: '));
    return [...(at < 0 ? current : current.slice(0, at)), ...`Error: ${result.message()}`.split('\n')];
  }
  const runs: { command: string; ran: Ran }[] = [];
  for (const command of block.commands) runs.push({ command, ran: await runCommand(command, root) });
  return transcript(runs);
}

/**
 * Tokens of an older format in `replay` commands, mapped to the current token of the same
 * schedule (same steps, same evidence), for every command whose replay still fits the model.
 * A token that no longer fits (the model changed) is left alone: its transcript then shows the
 * divergence, and the fix is a new token from `explore`.
 */
export async function staleTokens(blocks: readonly Block[], root = ROOT): Promise<Map<string, string>> {
  const renamed = new Map<string, string>();
  for (const block of blocks) {
    if (block.kind !== 'transcript') continue;
    for (const command of block.commands) {
      const [npx, tool, verb, arg, second] = words(command);
      if (npx !== 'npx' || tool !== 'interleave' || verb !== 'replay' || arg === undefined) continue;
      const at = arg.lastIndexOf('@');
      const [target, token] = second && !second.startsWith('-') ? [arg, second] : [arg.slice(0, at), arg.slice(at + 1)];
      if (!token || renamed.has(token)) continue;
      let version: number | undefined;
      try {
        version = decodeSchedule(token).version;
      } catch {
        continue; // a transcript of a bad token shows its error
      }
      if (version === 2) continue;
      const cwd = process.cwd();
      process.chdir(root);
      try {
        const t = await resolveTarget(target);
        const r = replay(t.system, token, { checkers: t.kind === 'entry' ? (t.entry.explore?.checkers ?? []) : [] });
        if (!r.divergence) renamed.set(token, r.token);
      } catch {
        // the transcript shows why this replay fails
      } finally {
        process.chdir(cwd);
      }
    }
  }
  return renamed;
}

/** Where a block is, for messages: `file:line` of its opening fence. */
export function where(block: Block): string {
  return `${block.file}:${block.from}`;
}

export interface PasteResult {
  file: string;
  blocks: number;
  changed: string[];
  /** Replay tokens replaced everywhere in the file: older formats, and tokens an earlier transcript printed anew. */
  tokens: number;
}

/** `replay` commands a transcript printed (`replay: npx interleave replay <target>@<token>`), by target. */
export function printedTokens(lines: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of lines) {
    const m = /npx interleave replay (\S+)@(il\d+_[A-Za-z0-9_-]+)/.exec(l);
    if (m && !l.startsWith('$ ')) out.set(m[1] as string, m[2] as string);
  }
  return out;
}

/** The target and token of a `$ npx interleave replay <target>@<token>` command, if it is one. */
function replayArgs(command: string): { target: string; token: string } | undefined {
  const [npx, tool, verb, arg] = words(command);
  if (npx !== 'npx' || tool !== 'interleave' || verb !== 'replay' || arg === undefined) return undefined;
  const at = arg.lastIndexOf('@');
  return at > 0 ? { target: arg.slice(0, at), token: arg.slice(at + 1) } : undefined;
}

/**
 * Regenerates every block of one Markdown file, in order; returns the new text and which blocks
 * changed (by their masked text, unless `force`: then every block is re-pasted with fresh
 * figures). Tokens follow the model: a `replay` command of a target whose token an earlier
 * transcript of the file printed (the tutorial's explore, then replay) takes that token, here
 * and everywhere else in the file; a token of an older format is brought to the current one.
 */
export async function pasteFile(file: string, text: string, options: { force?: boolean; root?: string } = {}): Promise<{ text: string; result: PasteResult }> {
  const renamed = await staleTokens(findBlocks(file, text), options.root);
  const rename = (from: string, to: string): void => {
    text = text.split(from).join(to);
    renamed.set(from, to);
  };
  for (const [from, to] of renamed) text = text.split(from).join(to);
  const printed = new Map<string, string>();
  const outputs: Array<{ block: Block; next: string[] }> = [];
  for (const found of findBlocks(file, text)) {
    let block = found;
    if (block.kind === 'transcript') {
      for (const command of block.commands) {
        const r = replayArgs(command);
        const latest = r && printed.get(r.target);
        if (r && latest && latest !== r.token) rename(r.token, latest);
      }
      // Renames change no line: the block is where it was, with its commands as they are now.
      block = findBlocks(file, text).find((b) => b.from === found.from) ?? found;
    }
    const current = text.split('\n').slice(block.from, block.to);
    const next = await generate(block, current, options.root);
    for (const [target, token] of printedTokens(next)) printed.set(target, token);
    outputs.push({ block, next });
  }
  const lines = text.split('\n');
  const changed: string[] = [];
  // Last block first, so earlier blocks' line numbers stay valid while lines are replaced.
  for (const { block, next } of outputs.reverse()) {
    const current = lines.slice(block.from, block.to);
    if (!options.force && mask(next).join('\n') === mask(current).join('\n')) continue;
    if (next.join('\n') === current.join('\n')) continue;
    lines.splice(block.from, block.to - block.from, ...next);
    changed.push(where(block));
  }
  return { text: lines.join('\n'), result: { file, blocks: outputs.length, changed: changed.reverse(), tokens: renamed.size } };
}

/** `file` relative to the root, for messages. */
export function shown(file: string, root = ROOT): string {
  return relative(root, resolve(root, file));
}

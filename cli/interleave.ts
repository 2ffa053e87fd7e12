/**
 * The `interleave` command: `list`, `explore`, `replay`, `view`, `run` (the catalogue, as
 * `npm start` runs it), and `--help` on each. See cli/errors.ts for the exit codes.
 *
 * @example
 * ```sh
 * npx interleave explore C1/buggy/2g --report out/c1.json
 * npx interleave replay C1/buggy/2g@il2_AgQP...
 * npx interleave view out/c1.json -o out/c1.html
 * ```
 */
import { helpText, parseArgs, type CommandDef } from './args.js';
import { listCommand, listDef, runCommand, runDef } from './commands/catalogue.js';
import { exploreCommand, exploreDef, replayCommand, replayDef } from './commands/explore.js';
import { swarmCommand, swarmDef, workerCommand, workerDef } from './commands/swarm.js';
import { viewCommand, viewDef } from './commands/view.js';
import { EXIT, UsageError, describeFailure } from './errors.js';
import { processIo, type Io } from './io.js';
import { escapeControl } from './reports/escape.js';
import { toolVersion } from './reports/report.js';

interface Command {
  def: CommandDef;
  run: (args: ReturnType<typeof parseArgs>, io: Io, command: string) => Promise<number> | number;
}

const COMMANDS: Command[] = [
  { def: listDef, run: listCommand },
  { def: exploreDef, run: exploreCommand },
  { def: replayDef, run: replayCommand },
  { def: viewDef, run: viewCommand },
  { def: runDef, run: runCommand },
  { def: swarmDef, run: swarmCommand },
  { def: workerDef, run: workerCommand },
];

export function usage(): string {
  return [
    'usage: interleave <command> [arguments] [options]',
    '',
    'A deterministic concurrency explorer: every interleaving of actor steps, with replayable counterexamples.',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.def.name.padEnd(10)} ${c.def.summary}`),
    '',
    "Run 'interleave <command> --help' for a command's arguments and options.",
    'exit codes: 0 verified / as expected, 1 violation found, 2 usage or model error, 3 incomplete (bound or Ctrl-C)',
  ].join('\n');
}

/**
 * Runs one command line; returns the exit code. Never throws for a user mistake. Everything the
 * command writes to `out` and `err` has its control characters escaped (model text may hold a
 * clear-screen code or a carriage return that fakes a verdict); only `status` is written as is.
 */
export async function main(argv: readonly string[], raw: Io): Promise<number> {
  const io: Io = { ...raw, startedAt: raw.startedAt ?? performance.now(), out: (t) => raw.out(escapeControl(t)), err: (t) => raw.err(escapeControl(t)), status: raw.status ?? ((t) => raw.err(t)) };
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io[name === undefined ? 'err' : 'out'](`${usage()}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version') {
    io.out(`${toolVersion()}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.def.name === name);
  try {
    if (!command) {
      throw new UsageError(
        name.startsWith('-')
          ? `unknown option '${name}' before the command; commands are ${COMMANDS.map((c) => c.def.name).join(', ')}`
          : `unknown command '${name}'; commands are ${COMMANDS.map((c) => c.def.name).join(', ')}`,
      );
    }
    const args = parseArgs(command.def, rest);
    if (args.options.help) {
      io.out(`${helpText(command.def)}\n`);
      return EXIT.ok;
    }
    return await command.run(args, io, argv.join(' '));
  } catch (err) {
    const { text, code } = describeFailure(err, command?.def.name);
    io.err(`${text}\n`);
    return code;
  }
}

/**
 * Runs `argv` in this process: Ctrl-C once stops the search and prints the partial result;
 * twice exits at once.
 */
export async function start(argv: readonly string[]): Promise<void> {
  const controller = new AbortController();
  let firstAt: number | undefined;
  const onSigint = (): void => {
    const now = Date.now();
    if (firstAt === undefined) {
      firstAt = now;
      process.stderr.write('\ninterrupted: stopping the search (Ctrl-C again to quit at once)\n');
      controller.abort();
      return;
    }
    // npm and npx forward the Ctrl-C their own process got to this one, so one keypress can
    // arrive twice: a second signal counts only a moment after the first.
    if (now - firstAt >= DUPLICATE_SIGNAL_MS) process.exit(130);
  };
  process.on('SIGINT', onSigint);
  // `interleave ... | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
  // Standard output is the command's alone (tables, --json, reports to stdout): whatever else
  // writes there in this process, a model's console.log at load or in a guard, or
  // process.stdout.write, goes to stderr. console writes through process.stdout.write, so one
  // replacement catches both; the command keeps the real one. Worker threads' output reaches
  // this thread as a stream (cli/supervised/host.ts pipes it to stderr).
  const realWrite = process.stdout.write;
  const stdout = realWrite.bind(process.stdout) as (text: string) => boolean;
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  try {
    process.exitCode = await main(argv, processIo(controller.signal, stdout));
  } finally {
    // The listener stays until the process exits: a forwarded duplicate of the Ctrl-C that
    // stopped the search may still be on its way, and must not turn exit code 3 into a death
    // by SIGINT (130). A signal listener does not keep the process alive.
    if (firstAt === undefined) process.off('SIGINT', onSigint);
    process.stdout.write = realWrite;
  }
}

/** Two SIGINTs closer than this are one Ctrl-C delivered twice (by npm and by the terminal). */
const DUPLICATE_SIGNAL_MS = 1000;

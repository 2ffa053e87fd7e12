/** Where a command writes, and how it is stopped; the real process's by default. */
export interface Io {
  /** Results: the table, the report, the JSON. */
  out(text: string): void;
  /** Progress, notes and errors. */
  err(text: string): void;
  /**
   * The progress line, written as is: it carries its own terminal codes (carriage return, erase
   * line) and no model text. `main()` escapes control characters in `out` and `err`, not here.
   */
  status?(text: string): void;
  /** Whether stderr is a terminal (progress is drawn in place there). */
  isTTY: boolean;
  /** Aborted on Ctrl-C: every strategy runs in slices and stops with its partial result. */
  signal?: AbortSignal;
  /**
   * The `performance.now()` reading the command started at; `--time-limit` counts from it. The
   * process's own command line (`start()`) says 0, the process's start, so the limit covers
   * loading the tool and the model; default: when `main()` was called.
   */
  startedAt?: number;
  /**
   * Run `explore`'s search in a worker thread watched by this one (cli/supervised/), so a
   * step that never returns ends with a partial result instead of a hang. The process's own
   * command line does; `main()` called in-process (specs) runs the search in its thread unless
   * asked, which saves starting a thread per call.
   */
  supervise?: boolean;
}

/**
 * The real process's Io. `stdout` writes to the process's standard output; `start()` passes the
 * one it kept before pointing `process.stdout.write` at stderr (a model's console.log must not
 * corrupt `--json`).
 */
export function processIo(signal?: AbortSignal, stdout: (text: string) => unknown = (text) => process.stdout.write(text)): Io {
  return {
    startedAt: 0,
    supervise: true,
    out: (text) => void stdout(text),
    err: (text) => process.stderr.write(text),
    isTTY: process.stderr.isTTY === true,
    ...(signal ? { signal } : {}),
  };
}

/**
 * Synchronous message passing between the parallel search's coordinator and its workers.
 *
 * The engine's step loop is synchronous (DESIGN.md decision 9), and so is the parallel search:
 * a party posts on a MessagePort, then bumps a counter in shared memory and wakes whoever
 * waits on it; the receiver blocks in `Atomics.wait` on that counter and takes the message with
 * `receiveMessageOnPort`. No promise, no event loop turn, no timer: every exchange happens at a
 * point fixed by the program, so thread timing cannot change what is computed.
 *
 * Counters: slot `2i` counts messages coordinator -> worker i, slot `2i + 1` worker i ->
 * coordinator. A worker that exits sets its reply slot to -1 (bootstrap.mjs).
 */
import { receiveMessageOnPort, type MessagePort, type Transferable } from 'node:worker_threads';
import { InternalBug } from '../errors.js';

/** How often a waiting receiver asks its `poll` whether to stop, in milliseconds. */
export const POLL_MS = 5;

/** Thrown by {@link SyncChannel.receive} when its `poll` says to stop waiting. */
export class StopWaiting extends Error {
  constructor() {
    super('stopped waiting for a reply');
  }
}

export class SyncChannel {
  constructor(
    private readonly port: MessagePort,
    private readonly signals: Int32Array,
    private readonly sendSlot: number,
    private readonly receiveSlot: number,
    private readonly peer: string,
  ) {}

  send(message: unknown, transfer: Transferable[] = []): void {
    this.port.postMessage(message, transfer);
    Atomics.add(this.signals, this.sendSlot, 1);
    Atomics.notify(this.signals, this.sendSlot);
  }

  /**
   * Blocks until the next message arrives. With `poll`, wakes every {@link POLL_MS} ms to ask
   * it, and throws {@link StopWaiting} when it says to stop (a time limit or an interrupt).
   */
  receive(poll?: () => boolean): unknown {
    for (;;) {
      const seen = Atomics.load(this.signals, this.receiveSlot);
      const got = receiveMessageOnPort(this.port);
      if (got) return got.message;
      if (seen < 0) throw new InternalBug(`${this.peer} exited without answering`);
      if (poll?.()) throw new StopWaiting();
      Atomics.wait(this.signals, this.receiveSlot, seen, poll ? POLL_MS : undefined);
    }
  }

  close(): void {
    this.port.close();
  }
}

/**
 * Takes a message a peer posted before a barrier the caller has passed (so it is already
 * queued); waits briefly in case the port's queue lags, then reports an internal bug.
 */
export function takeQueued(port: MessagePort, what: string): unknown {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let tries = 0; tries < 10_000; tries++) {
    const got = receiveMessageOnPort(port);
    if (got) return got.message;
    Atomics.wait(pause, 0, 0, 1);
  }
  throw new InternalBug(`no ${what} arrived after the barrier`);
}

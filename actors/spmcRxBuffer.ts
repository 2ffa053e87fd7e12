/**
 * The SPMC RX buffer: the one page through which the SPMC hands data to Xen, and the lock that
 * guards it, `ffa_spmc_rx_lock`.
 *
 * Follows `ffa_spmc_rx` / `ffa_spmc_rx_lock` of xen/arch/arm/tee/ffa_rxtx.c as introduced by
 * upstream commit 9e9504ef ("xen/arm: ffa: rework SPMC RX/TX buffer management", seed 004 v1,
 * committed with seed 002's v2). The lock lives with the data it guards (DESIGN.md decision 5),
 * so this actor owns the ticket lock (protocols/spinlock.ts) and the page's contents.
 *
 * The page is written by the SPMC firmware (`rx.fill`, after a successful
 * FFA_PARTITION_INFO_GET) and read by a vCPU (`rx.read`, answered with `rx.data`). A read by a
 * CPU that does not hold `ffa_spmc_rx_lock` is an assertion violation here: the buffer is
 * touched only with its lock held (SCENARIOS.md C2's property; it holds in C1).
 */
import { assign, createMachine } from 'xstate';
import { assertThat, reply, type Message } from '../runtime/model.js';
import { freeLocks, spinlockHandlers, type TicketLock } from '../protocols/spinlock.js';

/** The actor's name in every FF-A system. */
export const SPMC_RX_ACTOR = 'spmc_rx';
/** The lock class guarding the SPMC RX buffer, as Xen names the lock. */
export const FFA_SPMC_RX_LOCK = 'ffa_spmc_rx_lock';

/** The SPMC writes partition info into the page (`count` entries). */
export const RX_FILL = 'rx.fill';
/** A vCPU reads the page; answered with {@link RX_DATA}. */
export const RX_READ = 'rx.read';
/** The page's contents as read: `count` entries, or `null` if never filled. */
export const RX_DATA = 'rx.data';

/** Context: the lock, and what the page holds (the partition count last written). */
export interface SpmcRxBufferContext {
  locks: Record<string, TicketLock>;
  /** Entries the SPMC last wrote; `null` before the first fill. */
  count: number | null;
}

type BufferEvent = Message & { from: string; count?: number };

/** Messages a client sends to the buffer. */
export const rxBuffer = {
  fill: (count: number): Message => ({ type: RX_FILL, count }),
  read: (): Message => ({ type: RX_READ }),
};

function holdsLock({ context, event }: { context: SpmcRxBufferContext; event: BufferEvent }): boolean {
  return context.locks[FFA_SPMC_RX_LOCK]?.owner === event.from;
}

/** The SPMC RX buffer actor's machine: a daemon that owns `ffa_spmc_rx_lock`. */
export function spmcRxBufferMachine() {
  return createMachine({
    id: 'spmc_rx_buffer',
    types: {} as { context: SpmcRxBufferContext; events: BufferEvent },
    context: { locks: freeLocks(FFA_SPMC_RX_LOCK), count: null },
    on: {
      ...spinlockHandlers(),
      [RX_FILL]: { actions: assign({ count: ({ event }) => (typeof event.count === 'number' ? event.count : null) }) },
      [RX_READ]: {
        actions: [
          assertThat(holdsLock, `SPMC RX buffer read by a CPU that does not hold ${FFA_SPMC_RX_LOCK}`),
          reply<SpmcRxBufferContext, BufferEvent>(({ context }) => ({ type: RX_DATA, count: context.count })),
        ],
      },
    },
  });
}

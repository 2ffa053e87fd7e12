/**
 * A guest vCPU trapping into Xen with FF-A calls, running the mediator's handler code.
 *
 * The guest's program is a list of FF-A function ids in the context, run in order after a
 * `start` message; the vCPU finishes when the program is done. Supported calls:
 *
 * - FFA_PARTITION_INFO_GET, the SP half of it: `ffa_get_sp_partinfo` in
 *   xen/arch/arm/tee/ffa_partinfo.c at upstream commit 9e9504ef ("xen/arm: ffa: rework SPMC
 *   RX/TX buffer management"), with its helpers `ffa_rxtx_spmc_rx_acquire` /
 *   `ffa_rxtx_spmc_rx_release` from ffa_rxtx.c:
 *
 *       acquire.assert  ASSERT(!spin_is_locked(&ffa_spmc_rx_lock))   seed 004 v1 only (line 324)
 *       acquire.spin    spin_lock(&ffa_spmc_rx_lock)
 *       partInfoSmc     ffa_partition_info_get(): the PARTITION_INFO_GET SMC
 *       readRx          copy the entries out of the SPMC RX buffer (skipped if the SMC failed)
 *       release.assert  ASSERT(spin_is_locked(&ffa_spmc_rx_lock))
 *       release.smc     ffa_simple_call(FFA_RX_RELEASE) (an error is only printk'd),
 *                       then spin_unlock(&ffa_spmc_rx_lock)
 *
 * The guest's own RX buffer (`ffa_rx_acquire(d)`) is per guest and not contended in C1, so it
 * is not modelled. Both ASSERTs are `spin.is_locked` queries to the lock's owner: the answer
 * is a message and can be stale, as in Xen (DESIGN.md decision 5).
 *
 * {@link vcpuMachine} builds both variants from one configuration: with
 * `assertUnlockedOnAcquire` (seed 004 v1) the `acquire` state starts with the
 * `assert` query; without it (seed 002 v2: "Remove invalid ASSERT", as committed in
 * 9e9504ef) it does not. Nothing else differs: every guard, action and context function is a
 * module-level constant, so the two configurations can be compared node by node.
 */
import { assign, createMachine } from 'xstate';
import { ModelError } from '../runtime/errors.js';
import { assertThat, send, type Message } from '../runtime/model.js';
import type { ActorSpec } from '../runtime/system.js';
import { SPIN_GRANTED, SPIN_IS_LOCKED_RESULT, spin } from '../protocols/spinlock.js';
import { FFA, FFA_RET, fidName } from './ffa.js';
import { SMC_RET, SPMC_ACTOR, smc, smcSucceeded } from './spmcFirmware.js';
import { FFA_SPMC_RX_LOCK, RX_DATA, SPMC_RX_ACTOR, rxBuffer } from './spmcRxBuffer.js';

/** State tag: the vCPU is between spin_lock and spin_unlock of `ffa_spmc_rx_lock`. */
export const HOLDS_SPMC_RX_LOCK = 'holds ffa_spmc_rx_lock';

/** The acquire-time ASSERT of seed 004, as it fails. */
export const ACQUIRE_ASSERT = 'ASSERT(!spin_is_locked(&ffa_spmc_rx_lock)) in ffa_rxtx_spmc_rx_acquire';
/** The release-time ASSERT, kept upstream. */
export const RELEASE_ASSERT = 'ASSERT(spin_is_locked(&ffa_spmc_rx_lock)) in ffa_rxtx_spmc_rx_release';

/** FF-A calls a vCPU program may contain. */
export const SUPPORTED_CALLS: readonly number[] = [FFA.PARTITION_INFO_GET];

/** A vCPU's context: its program, where it is, and what its calls returned. */
export interface VcpuContext {
  /** FF-A function ids to call, in order. */
  program: number[];
  /** Index of the current (or next) call. */
  pc: number;
  /** The SP count the current PARTITION_INFO_GET SMC reported; null outside the call. */
  reported: number | null;
  /** What each finished call returned to the guest: FFA_RET_OK (0) or an error code. */
  results: number[];
}

/** Input of a vCPU machine. */
export interface VcpuInput {
  program: number[];
}

/** Options that select the modelled code. */
export interface VcpuOptions {
  /** Seed 004 v1: `ASSERT(!spin_is_locked(&ffa_spmc_rx_lock))` before `spin_lock`. */
  assertUnlockedOnAcquire: boolean;
}

type Args = { context: VcpuContext; event: Message };

// Module-level guards, actions and context functions: shared by both variants (see header).
const initialContext = ({ input }: { input: VcpuInput }): VcpuContext => ({ program: [...input.program], pc: 0, reported: null, results: [] });
const nextIsPartInfoGet = ({ context }: Args): boolean => context.program[context.pc] === FFA.PARTITION_INFO_GET;
const programDone = ({ context }: Args): boolean => context.pc >= context.program.length;
const askIsLocked = send(SPMC_RX_ACTOR, spin.isLocked(FFA_SPMC_RX_LOCK));
const spinLock = send(SPMC_RX_ACTOR, spin.acquire(FFA_SPMC_RX_LOCK));
const spinUnlock = send(SPMC_RX_ACTOR, spin.release(FFA_SPMC_RX_LOCK));
const callPartInfoGet = send(SPMC_ACTOR, smc.call(FFA.PARTITION_INFO_GET));
const callRxRelease = send(SPMC_ACTOR, smc.call(FFA.RX_RELEASE));
const readSpmcRx = send(SPMC_RX_ACTOR, rxBuffer.read());
const assertUnlocked = assertThat(({ event }: Args) => event.locked === false, ACQUIRE_ASSERT);
// Weak, as upstream: spin_is_locked is true if ANY CPU holds the lock, so this also passes
// when another CPU holds it and this one does not.
const assertLocked = assertThat(({ event }: Args) => event.locked === true, RELEASE_ASSERT);
const succeeded = ({ event }: Args): boolean => smcSucceeded(event);
const recordReported = assign({ reported: ({ event }: Args) => (typeof event.w2 === 'number' ? event.w2 : null) });
const recordError = assign({ results: ({ context, event }: Args) => [...context.results, typeof event.w2 === 'number' ? event.w2 : FFA_RET.ABORTED] });
const assertReadWhatWasReported = assertThat(
  ({ context, event }: Args) => event.count === context.reported,
  'the SPMC RX buffer does not hold the entries PARTITION_INFO_GET reported (torn or foreign data)',
);
const recordOk = assign({ results: ({ context }: Args) => [...context.results, FFA_RET.OK], reported: null });
const nextCall = assign({ pc: ({ context }: Args) => context.pc + 1 });

/** The vCPU machine; see the header for the states and the one difference between variants. */
export function vcpuMachine({ assertUnlockedOnAcquire }: VcpuOptions) {
  const acquireStates = {
    ...(assertUnlockedOnAcquire
      ? { assert: { entry: askIsLocked, on: { [SPIN_IS_LOCKED_RESULT]: { target: 'spin', actions: assertUnlocked } } } }
      : {}),
    spin: { entry: spinLock, on: { [SPIN_GRANTED]: { target: '#partInfoSmc' } } },
  };
  return createMachine({
    id: assertUnlockedOnAcquire ? 'vcpu+assert-unlocked' : 'vcpu',
    types: {} as { context: VcpuContext; input: VcpuInput; events: Message },
    context: initialContext,
    initial: 'idle',
    states: {
      idle: { on: { start: { target: 'dispatch' } } },
      dispatch: {
        id: 'dispatch',
        always: [
          { guard: nextIsPartInfoGet, target: 'acquire' },
          { guard: programDone, target: 'done' },
        ],
      },
      acquire: { initial: assertUnlockedOnAcquire ? 'assert' : 'spin', states: acquireStates },
      partInfoSmc: {
        id: 'partInfoSmc',
        tags: [HOLDS_SPMC_RX_LOCK],
        entry: callPartInfoGet,
        on: {
          [SMC_RET]: [
            { guard: succeeded, target: 'readRx', actions: recordReported },
            { target: 'release', actions: recordError },
          ],
        },
      },
      readRx: {
        tags: [HOLDS_SPMC_RX_LOCK],
        entry: readSpmcRx,
        on: { [RX_DATA]: { target: 'release', actions: [assertReadWhatWasReported, recordOk] } },
      },
      release: {
        tags: [HOLDS_SPMC_RX_LOCK],
        initial: 'assert',
        states: {
          assert: { entry: askIsLocked, on: { [SPIN_IS_LOCKED_RESULT]: { target: 'smc', actions: assertLocked } } },
          // The SPMC's answer (OK, or DENIED if Xen did not own the buffer) is only printk'd.
          smc: { entry: callRxRelease, on: { [SMC_RET]: { target: '#dispatch', actions: [spinUnlock, nextCall] } } },
        },
      },
      done: { type: 'final' },
    },
  });
}

/**
 * A vCPU actor running `program` (default: one FFA_PARTITION_INFO_GET). Throws
 * {@link ModelError} for a call the model does not support.
 *
 * @example
 * ```ts
 * const actor = vcpuActor('g1.vcpu0', { assertUnlockedOnAcquire: false });
 * ```
 */
export function vcpuActor(name: string, options: VcpuOptions, program: number[] = [FFA.PARTITION_INFO_GET]): ActorSpec {
  for (const fid of program) {
    if (!SUPPORTED_CALLS.includes(fid)) {
      throw new ModelError(`vCPU '${name}': the model does not support ${fidName(fid)}; supported calls are ${SUPPORTED_CALLS.map(fidName).join(', ')}`);
    }
  }
  return { name, machine: vcpuMachine(options), input: { program } satisfies VcpuInput };
}

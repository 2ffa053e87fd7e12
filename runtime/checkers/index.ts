/**
 * The checkers (DESIGN.md decision 7). Transition checkers go in a system's `checkers` (or an
 * exploration's `checkers` option); liveness and data races are analyses of the whole state
 * graph, run on their own. All of them read only the conventions in conventions.ts.
 *
 * @example
 * ```ts
 * const result = explore({ ...system, checkers: [lockdep, lockLeak, useAfterFree] }, { maxViolations: 10 });
 * const live = checkLiveness({ ...system, liveness: [{ name: 'progress', eventually: done }] });
 * const races = findDataRaces(system);
 * ```
 */
export type { Checker, CheckerFactory, CheckerView, TransitionEvent } from './Checker.js';
export { lockdep, lockdepWith, Lockdep, type LockdepOptions } from './lockdep.js';
export { checkLock, CheckLock } from './checklock.js';
export { lockLeak, LockLeak } from './lockLeak.js';
export { useAfterFree, UseAfterFree } from './useAfterFree.js';
export { sleepInAtomic, SleepInAtomic } from './sleepInAtomic.js';
export { checkLiveness, type LivenessProperty, type LiveSystem, type LassoViolation, type LivenessResult, type LivenessOptions } from './liveness.js';
export { findDataRaces, vectorClocks, type RaceViolation, type RaceResult } from './race.js';
export { buildStateGraph, type StateGraph } from './stateGraph.js';
export * from './conventions.js';

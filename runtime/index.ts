/**
 * interleave's engine. Start with {@link loadSystem} and {@link explore}; replay a token with
 * {@link replay}; print with {@link formatTrace}. Nothing here knows about Xen or FF-A.
 */
export { ModelError, InternalBug } from './errors.js';
export { send, reply, answerTo, assertThat, deferring, ignoring, runtimeActions, FRAME, TO_FRAME, URGENT, type Message, type RuntimeAction, type SendParams, type AssertParams } from './model.js';
export {
  loadSystem,
  ENVIRONMENT,
  DEFAULT_MAILBOX_BOUND,
  type ActorSpec,
  type SystemSpec,
  type LoadedSystem,
  type Invariant,
  type GlobalView,
  type ResourceView,
} from './system.js';
export { explore, Exploration, type Strategy } from './explorer.js';
export {
  SEARCH_DEFAULTS,
  type ExploreOptions,
  type ExploreResult,
  type ExploreStats,
  type BoundName,
  type Coverage,
  type StopCause,
} from './result.js';
export { Search, DISABLED, FAILED, PRUNED, BROKEN, STOPPED, KNOWN, knownNode, type SearchPolicy } from './Search.js';
export { replay, runPath, type Trace, type TraceStep, type ReplayResult, type Divergence } from './replay.js';
export { encodeSchedule, decodeSchedule, stepDigest, executionDigest, type Schedule, type Execution } from './schedule.js';
export { formatTrace, describeMessage, TRACE_LEGEND } from './trace.js';
export { explore$, type ExploreEvent, type ObserveOptions } from './observe.js';
export { Kernel, STEP_DISABLED, STEP_OK, STEP_FAILS, type Move, type Finding } from './Kernel.js';
export { StateStore } from './StateStore.js';
export type { Violation, ViolationKind, DeadlockDetails, BlockedActor } from './violations.js';
export { runStrategy, startStrategy, STRATEGY_NAMES, type StrategyOptions, type SearchRun, type PolicyFactory } from './strategies/index.js';
export { shrink, shrinkViolation, type ShrinkOptions, type ShrinkResult } from './shrink.js';
export type { Checker, CheckerFactory, TransitionEvent } from './checkers/Checker.js';

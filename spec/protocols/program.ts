/**
 * Straight-line CPU programs for the primitives' specs: `start` runs the first step's actions,
 * then each step waits for its answer (`await`, a message type) before the next step's actions;
 * the program ends after the last step. `softirq: true` makes every waiting state a softirq
 * point (tasklets and timers may run there).
 */
import type { BodyConfig } from '../../protocols/cpu.js';
import { softirqPoint } from '../../protocols/cpu.js';

export interface Step {
  /** Actions of this step (an action or a list). */
  do: unknown;
  /** The answer to wait for before the next step; omit on the last step. */
  await?: string;
}

export function program(steps: Step[], options: { softirq?: boolean } = {}): BodyConfig {
  const states: Record<string, unknown> = {};
  const name = (i: number): string => (i >= steps.length ? 'done' : `s${i}`);
  const meta = options.softirq ? { meta: softirqPoint() } : {};
  states.idle = { ...meta, on: { start: { target: steps[0]?.await ? 's0' : 'done', actions: steps[0]?.do } } };
  steps.forEach((step, i) => {
    if (!step.await) return;
    const next = steps[i + 1];
    states[name(i)] = { ...meta, on: { [step.await]: { target: next?.await ? name(i + 1) : 'done', actions: next?.do } } };
  });
  states.done = { type: 'final' };
  return { initial: 'idle', states };
}

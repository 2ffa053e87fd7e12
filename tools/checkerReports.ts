/**
 * `npx tsx tools/checkerReports.ts <model> [--trace <kind>]`: what each checker reports on the
 * small models of spec/checkers/models.ts and examples/softirqLock.ts, lockChain.ts, as
 * docs/checkers.md and the README's lockdep section show it (its transcripts run
 * this, so `npm run docs:paste` keeps them true when a checker's report changes).
 *
 * Transition checkers run inside the exploration (`explore({ ...system, checkers }, {
 * maxViolations: 10 })`); liveness and data races are analyses of the whole graph
 * (`checkLiveness`, `findDataRaces`). Prints `<model> + <checker>: verdict <v>, <n> states`,
 * then per violation `-- <kind>: <message>`, its token (marked when the evidence spans several
 * executions) and its report verbatim. `--trace <kind>` prints instead the replayed trace of
 * the first violation of that kind. Exit code 0, or 2 for an unknown model or kind.
 */
import { explore, formatTrace, replay, type SystemSpec, type Violation } from '../runtime/index.js';
import { checkLiveness, findDataRaces, lockdep, lockLeak, sleepInAtomic, useAfterFree } from '../runtime/checkers/index.js';
import type { CheckerFactory } from '../runtime/checkers/Checker.js';
import { abba, domainFree, hypercallLock, irqLock, mutexIn, sharedBuffer, sriNotification } from '../spec/checkers/models.js';
import softirqLock from '../examples/softirqLock.js';
import lockChain from '../examples/lockChain.js';

interface Found {
  header: string;
  system: SystemSpec;
  violations: readonly Violation[];
}

const transition = (system: SystemSpec, name: string, checker: CheckerFactory): Found => {
  const r = explore({ ...system, checkers: [checker] }, { maxViolations: 10 });
  return { header: `${system.name} + ${name}: verdict ${r.verdict}, ${r.stats.states} states`, system, violations: r.violations };
};

const MODELS: Record<string, () => Found> = {
  'abba-serialised': () => transition(abba('serialised'), 'lockdep', lockdep),
  abba: () => transition(abba('abba'), 'lockdep', lockdep),
  'irq-lock-plain': () => transition(irqLock('plain'), 'lockdep', lockdep),
  'irq-lock-irqsave': () => transition(irqLock('irqsave'), 'lockdep', lockdep),
  'softirq-lock': () => transition(softirqLock, 'lockdep', lockdep),
  'lock-chain': () => transition(lockChain, 'lockdep', lockdep),
  'hypercall-lock-leaky': () => transition(hypercallLock('leaky'), 'lockLeak', lockLeak),
  'domain-free-xfree': () => transition(domainFree('xfree'), 'useAfterFree', useAfterFree),
  'domain-free-call_rcu': () => transition(domainFree('call_rcu'), 'useAfterFree', useAfterFree),
  'domain-free-read': () => transition(domainFree('xfree', 'read'), 'useAfterFree', useAfterFree),
  'mutex-in-tasklet': () => transition(mutexIn('tasklet'), 'sleepInAtomic', sleepInAtomic),
  'mutex-in-task': () => transition(mutexIn('task'), 'sleepInAtomic', sleepInAtomic),
  'liveness-boot-cpu-only': () => {
    const system = sriNotification('boot-cpu-only');
    const r = checkLiveness(system);
    return { header: `liveness boot-cpu-only: ${r.verdict}, ${r.states} states`, system, violations: r.violations };
  },
  'liveness-all-cpus': () => {
    const system = sriNotification('all-cpus');
    const r = checkLiveness(system);
    return { header: `liveness all-cpus: ${r.verdict}, ${r.states} states`, system, violations: r.violations };
  },
  'race-unlocked': () => {
    const system = sharedBuffer('unlocked');
    const r = findDataRaces(system);
    return { header: `race unlocked: ${r.verdict}, ${r.states} states`, system, violations: r.violations };
  },
  'race-locked': () => {
    const system = sharedBuffer('locked');
    const r = findDataRaces(system);
    return { header: `race locked: ${r.verdict}, ${r.states} states`, system, violations: r.violations };
  },
};

function main(argv: string[]): number {
  const [model, flag, kind] = argv;
  const make = model === undefined ? undefined : MODELS[model];
  if (!make || (flag !== undefined && (flag !== '--trace' || kind === undefined))) {
    process.stderr.write(`usage: npx tsx tools/checkerReports.ts <model> [--trace <kind>]; models: ${Object.keys(MODELS).join(', ')}\n`);
    return 2;
  }
  const found = make();
  if (flag === '--trace') {
    const v = found.violations.find((x) => x.kind === kind);
    if (!v) {
      process.stderr.write(`${model}: no ${kind} violation; found ${found.violations.map((x) => x.kind).join(', ') || 'none'}\n`);
      return 2;
    }
    process.stdout.write(`${formatTrace(replay(found.system, v.token).trace)}\n`);
    return 0;
  }
  const out = [found.header];
  for (const v of found.violations) {
    out.push(`-- ${v.message.startsWith(`${v.kind}:`) ? v.message : `${v.kind}: ${v.message}`}`, `   token ${v.token}${v.acrossExecutions ? ' (across executions)' : ''}`);
    if (v.report) out.push(v.report);
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));

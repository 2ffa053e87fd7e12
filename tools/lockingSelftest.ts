/**
 * `npx tsx tools/lockingSelftest.ts`: runs the port of the Linux kernel's locking self-tests
 * (lib/locking-selftest.c; the cases are spec/checkers/lockingSelftest.ts, which
 * spec/checkers/lockingSelftest.spec.ts checks one by one) under lockdep and prints how many end
 * as the kernel's table expects, by outcome, then what the port leaves out. The README pastes
 * its output (`npm run docs:paste` keeps it true). Exit code 0 when every case passes, else 1
 * (the failing cases are listed).
 */
import { explore } from '../runtime/index.js';
import { outOfScope, selftestCases, selftestSystem } from '../spec/checkers/lockingSelftest.js';

const cases = selftestCases();
let pass = 0;
const byOutcome = { FAILURE: 0, SUCCESS: 0 };
const failed: string[] = [];
for (const c of cases) {
  const outcome = explore(selftestSystem(c), { maxViolations: 10 }).violations.length ? 'FAILURE' : 'SUCCESS';
  if (outcome === c.expected) {
    pass++;
    byOutcome[outcome]++;
  } else failed.push(`${c.name} (${c.kernel}): expected ${c.expected}, got ${outcome}`);
}
console.log(`lib/locking-selftest.c under lockdep: ${pass} of ${cases.length} cases as the kernel's table expects (${byOutcome.FAILURE} FAILURE, ${byOutcome.SUCCESS} SUCCESS)`);
for (const f of failed) console.log(`  not as expected: ${f}`);
console.log(`out of scope (${outOfScope().length} groups): ${outOfScope().map((o) => o.kernel.split(',')[0]).join('; ')}`);
process.exitCode = failed.length ? 1 : 0;

/**
 * examples/delTimerSyncLock.ts with the caller on cpu0, the CPU the callback runs on: no run
 * deadlocks (the callback runs only at cpu0's softirq points, never while cpu0 waits in
 * del_timer_sync), so plain exploration verifies it; lockdep still reports `L --> (&tm) --> L`,
 * as Linux's does, through the timer's lockdep map (docs/checkers.md "Timers and work items").
 *
 * `npx interleave explore examples/delTimerSyncOneCpu.ts --checkers lockdep`
 */
import { delTimerSyncLock } from './delTimerSyncLock.js';

export default delTimerSyncLock({ caller: 'cpu0' });

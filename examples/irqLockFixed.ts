/** examples/irqLock.ts, fixed: the program takes the lock with spin_lock_irqsave, so IRQ 27 waits until it is dropped. */
import { irqLock } from './irqLock.js';

export default irqLock('irqsave');

/** The tutorial model, fixed: CPU1 takes the locks in the same order as CPU0 (d.lock, then vgic.lock). */
import { twoCpus } from './twoCpuLock.js';

export default twoCpus('two-cpu-lock-fixed', ['d.lock', 'vgic.lock']);

/**
 * CPU hotplug's vocabulary: a CPU whose program has ended goes offline and tells the services
 * that track online CPUs (the IRQ controller, RCU), each of which acknowledges. Follows
 * xen/common/cpu.c `cpu_down`, whose CPU_DEAD notifier chain reaches those subsystems
 * (xen/common/rcupdate.c `rcu_cpu_callback`, the GIC's routing).
 *
 * | message            | from        | to       | meaning                                  |
 * |--------------------|-------------|----------|------------------------------------------|
 * | `cpu.offline`      | the CPU     | a service| stop delivering to / waiting for this CPU |
 * | `cpu.offline_ack`  | the service | the CPU  | done                                      |
 *
 * The CPU side is protocols/cpu.ts (`services`); the services are protocols/irq.ts and
 * protocols/rcu.ts. Names only: this module owns them so that no protocol imports another's
 * machine to learn a message name.
 */
import type { Message } from '../runtime/model.js';

export const CPU_OFFLINE = 'cpu.offline';
export const CPU_OFFLINE_ACK = 'cpu.offline_ack';

export const hotplug = {
  offline: (): Message => ({ type: CPU_OFFLINE }),
  offlineAck: (): Message => ({ type: CPU_OFFLINE_ACK }),
};

import { describe, expect, it } from 'vitest';
import { domain, domainTableMachine } from '../../protocols/domain.js';
import { drive } from './drive.js';

describe('domain table: is it dying?', () => {
  it("should answer a read of d->is_dying on its own: false while alive, true once domain_kill ran, for a domain created later too", () => {
    const t = drive(domainTableMachine({ name: 'domtab', rcu: 'rcu', initial: [1] }));
    expect(t.take('cpu0', domain.isDying(1)).sent).toEqual(['cpu0: mem.value(obj=domain:1,field=is_dying,value=false)']);
    t.take('cpu1', domain.kill(1));
    expect(t.take('cpu0', domain.isDying(1)).sent).toEqual(['cpu0: mem.value(obj=domain:1,field=is_dying,value=true)']);
    t.take('cpu1', domain.create(2));
    expect(t.take('cpu0', domain.isDying(2)).sent).toEqual(['cpu0: mem.value(obj=domain:2,field=is_dying,value=false)']);
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LeaderElector, type Lease, type LeaseStore } from './leader-election.ts';

/** A Lease in memory with the API server's optimistic concurrency (resourceVersion). */
class MemoryLeaseStore implements LeaseStore {
  lease: Lease | undefined;
  failing = false;
  private version = 0;

  async read(): Promise<Lease | undefined> {
    if (this.failing) throw new Error('the API server does not answer');
    return this.lease === undefined ? undefined : structuredClone(this.lease);
  }

  async create(lease: Lease): Promise<boolean> {
    if (this.lease) return false;
    this.lease = {
      ...structuredClone(lease),
      metadata: { ...lease.metadata, resourceVersion: `${++this.version}` },
    };
    return true;
  }

  async update(lease: Lease): Promise<boolean> {
    if (lease.metadata.resourceVersion !== this.lease?.metadata.resourceVersion) return false;
    this.lease = {
      ...structuredClone(lease),
      metadata: { ...lease.metadata, resourceVersion: `${++this.version}` },
    };
    return true;
  }
}

/** A candidate with a clock of its own: `skewMs` from the shared "real" time. */
function candidate(store: LeaseStore, identity: string, real: { ms: number }, skewMs = 0) {
  const events: string[] = [];
  const elector = new LeaderElector(undefined, {
    namespace: 'tiphys',
    name: 'tiphys-controller',
    identity,
    leaseDurationSeconds: 15,
    store,
    now: () => real.ms + skewMs,
    onStartedLeading: () => events.push('started'),
    onStoppedLeading: () => events.push('stopped'),
  });
  return { elector, events };
}

const hour = 3_600_000;

describe('leader election judges a Lease by the time this process observed it', () => {
  for (const [what, skewMs] of [
    ['an hour behind', -hour],
    ['an hour ahead', hour],
  ] as const) {
    test(`a holder whose clock runs ${what}: never two leaders, takeover once it stops renewing`, async () => {
      const store = new MemoryLeaseStore();
      const real = { ms: Date.parse('2026-01-01T00:00:00Z') };
      const a = candidate(store, 'a', real, skewMs);
      const b = candidate(store, 'b', real);
      await a.elector.round();
      assert.equal(a.elector.isLeader, true);

      // a renews every 2 s for a minute; b looks each time and never takes over.
      for (let i = 0; i < 30; i++) {
        real.ms += 2_000;
        await b.elector.round();
        await a.elector.round();
        assert.deepEqual([a.elector.isLeader, b.elector.isLeader], [true, false], `after ${(i + 1) * 2}s`);
      }

      // a stops renewing (crashed). b sees its last renewal on its next look, waits the lease
      // duration from then on its own clock, then takes over.
      real.ms += 2_000;
      await b.elector.round();
      real.ms += 14_000;
      await b.elector.round();
      assert.equal(b.elector.isLeader, false, 'taken over before the lease ran out');
      real.ms += 1_001;
      await b.elector.round();
      assert.equal(b.elector.isLeader, true);
      assert.equal(store.lease?.spec?.holderIdentity, 'b');
      assert.equal(store.lease?.spec?.leaseTransitions, 1);

      // a comes back: it sees b's Lease and steps down instead of renewing its own.
      await a.elector.round();
      assert.deepEqual([a.elector.isLeader, b.elector.isLeader], [false, true]);
      assert.deepEqual(a.events, ['started', 'stopped']);
      assert.deepEqual(b.events, ['started']);
    });
  }

  test('a candidate that just started waits a full lease duration, however old the renewTime looks', async () => {
    const store = new MemoryLeaseStore();
    const real = { ms: Date.parse('2026-01-01T00:00:00Z') };
    const a = candidate(store, 'a', real, -hour);
    await a.elector.round();
    real.ms += 5_000;
    const late = candidate(store, 'late', real);
    await late.elector.round();
    assert.equal(late.elector.isLeader, false);
    real.ms += 15_001;
    await late.elector.round();
    assert.equal(late.elector.isLeader, true);
  });

  test('a leader that cannot reach the Lease steps down before another could take over', async () => {
    const store = new MemoryLeaseStore();
    const real = { ms: Date.parse('2026-01-01T00:00:00Z') };
    const a = candidate(store, 'a', real);
    await a.elector.round();
    assert.equal(a.elector.isLeader, true);
    store.failing = true;
    real.ms += 10_000;
    await a.elector.round();
    assert.equal(a.elector.isLeader, true, 'still within the lease');
    real.ms += 3_000;
    await a.elector.round();
    assert.equal(a.elector.isLeader, false);
  });

  test('a released Lease is taken at once', async () => {
    const store = new MemoryLeaseStore();
    const real = { ms: Date.parse('2026-01-01T00:00:00Z') };
    const a = candidate(store, 'a', real);
    const b = candidate(store, 'b', real);
    await a.elector.round();
    await b.elector.round();
    await a.elector.stop();
    await b.elector.round();
    assert.equal(b.elector.isLeader, true);
  });
});

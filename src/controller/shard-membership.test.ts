import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ownerOf } from '../core/sharding/assign.ts';
import type { Lease } from './leader-election.ts';
import { type ShardLeaseStore, ShardMembership, shardLeaseName } from './shard-membership.ts';

/** Leases in memory; every renewal is a new resourceVersion, as the API server's. */
function fakeStore() {
  const leases = new Map<string, Lease>();
  let version = 0;
  const state = { failing: false, deleted: [] as string[] };
  const renew = (name: string, identity: string, leaseDurationSeconds: number) => {
    leases.set(name, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace: 'tiphys', resourceVersion: String(++version) },
      spec: { holderIdentity: identity, leaseDurationSeconds },
    });
  };
  const store: ShardLeaseStore = {
    list: async () => [...leases.values()],
    renew: async (name, identity, seconds) => {
      if (state.failing) throw new Error('connection refused');
      renew(name, identity, seconds);
    },
    delete: async (name) => {
      state.deleted.push(name);
      leases.delete(name);
    },
  };
  return { store, state, peerRenews: (identity: string) => renew(shardLeaseName(identity), identity, 10) };
}

/**
 * A replica on a test clock. `at(seconds)` lets that much time pass with a renewal round every
 * 2 s, as the real replica runs them; the peers in `alive` renew their Leases before each round.
 * `pause(seconds)` moves the clock with no round at all (a process stopped, then woken).
 */
function replica(identity: string) {
  const clock = { now: 1_000_000 };
  const fake = fakeStore();
  const alive = new Set<string>();
  const changes: (readonly string[])[] = [];
  const membership = new ShardMembership(undefined, {
    namespace: 'tiphys',
    identity,
    leaseDurationSeconds: 10,
    store: fake.store,
    now: () => clock.now,
    onChange: (members) => changes.push(members),
  });
  membership.start();
  const step = async (ms: number) => {
    clock.now += ms;
    for (const peer of alive) fake.peerRenews(peer);
    await membership.round();
  };
  const at = async (seconds: number) => {
    let left = seconds * 1000;
    for (; left > 2_000; left -= 2_000) await step(2_000);
    await step(left);
  };
  const pause = (seconds: number) => {
    clock.now += seconds * 1000;
  };
  return { membership, clock, changes, at, pause, alive, ...fake };
}

const clusters = ['east', 'west', 'north', 'south', 'in-cluster', 'edge-1', 'edge-2'];

test('a replica owns nothing until it has held its Lease one lease duration, then every cluster alone', async (t) => {
  const { membership, at, changes } = replica('a');
  t.after(() => membership.stop());
  await at(0);
  assert.deepEqual(
    clusters.filter((c) => membership.owns(c)),
    [],
  );
  await at(9);
  assert.equal(membership.owns('east'), false, 'not before a lease duration');
  await at(1);
  assert.deepEqual(
    clusters.filter((c) => membership.owns(c)),
    clusters,
  );
  assert.deepEqual(changes, [['a']]);
});

test('two live replicas split the clusters by rendezvous; a peer that stops renewing is counted out after its lease', async (t) => {
  const { membership, at, alive, changes } = replica('a');
  t.after(() => membership.stop());
  alive.add('b');
  await at(10);
  assert.deepEqual(membership.live, ['a', 'b']);
  const mine = clusters.filter((c) => ownerOf(c, ['a', 'b']) === 'a');
  assert.ok(mine.length > 0 && mine.length < clusters.length, 'the fixture clusters are split');
  assert.deepEqual(
    clusters.filter((c) => membership.owns(c)),
    mine,
  );
  // b renews for a while, then dies: its Lease stops changing (last seen changing now).
  await at(10);
  alive.delete('b');
  await at(9);
  assert.deepEqual(membership.live, ['a', 'b'], 'last seen changing 9 s ago: still alive');
  await at(1);
  assert.deepEqual(membership.live, ['a'], 'one lease duration without a change');
  assert.deepEqual(
    clusters.filter((c) => membership.owns(c)),
    clusters,
  );
  assert.deepEqual(changes.at(-1), ['a']);
});

test('a replica whose renewals fail for most of a lease stops owning, and joins again after one that lapsed; stop deletes its Lease', async () => {
  const { membership, at, state } = replica('a');
  await at(10);
  assert.equal(membership.owns('east'), true);
  state.failing = true;
  await at(7);
  assert.equal(membership.owns('east'), true, 'renewed 7 s ago');
  await at(1);
  assert.equal(membership.owns('east'), false, '8 s without a renewal: 0.8 of the lease');
  state.failing = false;
  await at(1);
  assert.equal(membership.owns('east'), true, 'renewed again within its lease: no peer can have taken over');
  state.failing = true;
  await at(10);
  assert.equal(membership.owns('east'), false);
  state.failing = false;
  await at(1);
  assert.equal(membership.owns('east'), false, 'renewed 11 s after the last: it joins again, as a newcomer');
  await at(8);
  assert.equal(membership.owns('east'), false, 'not before a lease duration');
  await at(2);
  assert.equal(membership.owns('east'), true, 'a lease after it renewed again');
  await membership.stop();
  assert.equal(membership.owns('east'), false);
  assert.deepEqual(state.deleted, [shardLeaseName('a')]);
});

test('a replica paused past its lease owns nothing the moment it wakes, before any renewal round', async () => {
  const { membership, at, pause, alive } = replica('a');
  alive.add('b');
  await at(10);
  const mine = clusters.filter((c) => membership.owns(c));
  assert.ok(mine.length > 0 && membership.acting() && membership.actingSince !== undefined);
  const since = membership.actingSince ?? 0;
  // SIGSTOP: no round runs while the clock moves on (b takes a's clusters meanwhile); SIGCONT.
  pause(12);
  assert.equal(membership.acting(), false, 'on waking, before any round: its last renewal is 12 s old');
  assert.deepEqual(
    clusters.filter((c) => membership.owns(c)),
    mine,
    'what is queued still follows the last round (each write asks acting())',
  );
  assert.equal(membership.actingSince, undefined);
  await at(0);
  assert.deepEqual(
    clusters.filter((c) => membership.owns(c)),
    [],
    'renewed again, but b may still be finishing what it took',
  );
  await at(9);
  assert.deepEqual(
    clusters.filter((c) => membership.owns(c)),
    [],
  );
  await at(1);
  assert.deepEqual(
    clusters.filter((c) => membership.owns(c)),
    mine,
    'a lease after renewing: its clusters back',
  );
  assert.equal(membership.acting(), true);
  assert.ok((membership.actingSince ?? 0) > since, 'acting since it joined again');
  await membership.stop();
});

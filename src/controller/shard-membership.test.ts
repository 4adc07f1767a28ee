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

function replica(identity: string) {
  const clock = { now: 1_000_000 };
  const fake = fakeStore();
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
  const at = async (seconds: number) => {
    clock.now += seconds * 1000;
    await membership.round();
  };
  return { membership, clock, changes, at, ...fake };
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
  const { membership, at, peerRenews, changes } = replica('a');
  t.after(() => membership.stop());
  peerRenews('b');
  await at(10);
  assert.deepEqual(membership.live, ['a', 'b']);
  const mine = clusters.filter((c) => ownerOf(c, ['a', 'b']) === 'a');
  assert.ok(mine.length > 0 && mine.length < clusters.length, 'the fixture clusters are split');
  assert.deepEqual(
    clusters.filter((c) => membership.owns(c)),
    mine,
  );
  // b renews for a while, then dies: its Lease stops changing.
  await at(5);
  peerRenews('b');
  await at(5);
  assert.deepEqual(membership.live, ['a', 'b'], 'renewed 5 s ago: alive');
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

test('a replica whose renewals fail for most of a lease stops owning; stop deletes its Lease', async () => {
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
  assert.equal(membership.owns('east'), true, 'renewing again');
  await membership.stop();
  assert.equal(membership.owns('east'), false);
  assert.deepEqual(state.deleted, [shardLeaseName('a')]);
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ownerOf } from '../core/sharding/assign.ts';
import { ClusterShards } from './cluster-shards.ts';

/** A replica `self` among `members`, with the clusters given and caches held for `cached`. */
function replica(self: string, clusters: { name: string; server: string }[], cached: string[]) {
  const state = { members: ['a', 'b'], clusters, cached: [...cached], requeues: 0, released: [] as string[] };
  const shards = new ClusterShards({
    ownsKey: (key) => ownerOf(key, state.members) === self,
    clusters: () => state.clusters,
    cached: () => state.cached,
    release: async (cluster) => {
      if (!state.cached.includes(cluster)) return false;
      state.cached = state.cached.filter((c) => c !== cluster);
      state.released.push(cluster);
      return true;
    },
    requeue: () => {
      state.requeues++;
    },
    releaseAfterMs: 60_000,
    log: () => {},
  });
  shards.clustersChanged();
  return { shards, state };
}

/** Two servers the replicas a and b split. */
function splitServers(): [string, string] {
  const servers = Array.from({ length: 20 }, (_, i) => `https://cluster-${i}.example:6443`);
  const forA = servers.find((s) => ownerOf(s, ['a', 'b']) === 'a');
  const forB = servers.find((s) => ownerOf(s, ['a', 'b']) === 'b');
  assert.ok(forA && forB);
  return [forA, forB];
}

describe('cluster shards', () => {
  test('two Cluster objects naming one server have one owner, whatever their names', () => {
    const [serverA, serverB] = splitServers();
    const clusters = [
      { name: 'eu-1', server: serverA },
      { name: 'eu-1-copy', server: `${serverA.toUpperCase().replace('HTTPS', 'https')}/` },
      { name: 'us-1', server: serverB },
    ];
    const a = replica('a', clusters, []).shards;
    const b = replica('b', clusters, []).shards;
    for (const name of ['eu-1', 'eu-1-copy', 'us-1']) {
      assert.equal([a.owns(name), b.owns(name)].filter(Boolean).length, 1, `${name}: one owner`);
    }
    assert.ok(a.owns('eu-1') && a.owns('eu-1-copy') && b.owns('us-1'));
    // A name no Cluster has yet is nobody's (not a guess from its name).
    assert.ok(!a.owns('not-yet') && !b.owns('not-yet'));
  });

  test('the caches of clusters lost are released; owned ones, and ones regained, are kept', async () => {
    const [serverA, serverB] = splitServers();
    const clusters = [
      { name: 'mine', server: serverA },
      { name: 'theirs', server: serverB },
    ];
    // Replica a ran alone and cached both; b joins.
    const { shards, state } = replica('a', clusters, ['mine', 'theirs', 'in-cluster']);
    state.members = ['a'];
    assert.deepEqual(await shards.releaseLost(), [], 'alone, a owns everything');
    state.members = ['a', 'b'];
    shards.membersChanged();
    assert.equal(state.requeues, 2, 'the apps are queued again on the change');
    const inClusterOwner = ownerOf('https://kubernetes.default.svc', ['a', 'b']);
    const released = await shards.releaseLost();
    assert.deepEqual(released, inClusterOwner === 'a' ? ['theirs'] : ['theirs', 'in-cluster']);
    assert.ok(state.cached.includes('mine'));
    // b leaves before the next release: nothing of a's is dropped.
    state.members = ['a'];
    state.cached.push('theirs');
    assert.deepEqual(await shards.releaseLost(), []);
    shards.stop();
  });

  test('a status change of a Cluster moves nothing; a changed server does', () => {
    const [serverA, serverB] = splitServers();
    const { shards, state } = replica('a', [{ name: 'c', server: serverA }], []);
    assert.equal(state.requeues, 1);
    assert.ok(shards.owns('c'));
    state.clusters = [{ name: 'c', server: `${serverA}/` }];
    shards.clustersChanged();
    assert.equal(state.requeues, 1, 'the same server spelled otherwise');
    state.clusters = [{ name: 'c', server: serverB }];
    shards.clustersChanged();
    assert.equal(state.requeues, 2);
    assert.ok(!shards.owns('c'), 'c moved to b with its server');
    shards.stop();
  });
});

// The comparison says when the API server accepted each desired object as a server-side apply
// (compare.ts, `acceptedAt`): a sync counts that dry run as the object's validation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatKey, keyOf, type ResourceKey } from '../../core/manifest/key.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import { ComparisonCache, compareResources, recordApplied } from './compare.ts';
import type { ComparisonTarget } from './ports.ts';
import { plainDesired } from './testkit.ts';

const configMap = (name: string, value: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'team-a' },
  data: { value },
});

const desiredOf = plainDesired;

/** Live objects at resourceVersion 1; the server refuses the objects named in `refused`. */
function clusterOf(live: KubeObject[], refused: string[] = []) {
  const objects = new Map(
    live.map((o) => [formatKey(keyOf(o)), { ...o, metadata: { ...o.metadata, resourceVersion: '1' } }]),
  );
  const dryRuns: string[] = [];
  const answer = async (kind: string, obj: KubeObject) => {
    dryRuns.push(`${kind} ${obj.metadata.name}`);
    if (refused.includes(obj.metadata.name ?? '')) throw new Error(`ConfigMap ${obj.metadata.name}: invalid`);
    return { ...obj, metadata: { ...obj.metadata, resourceVersion: '1' } };
  };
  const target: ComparisonTarget = {
    name: 'in-cluster',
    server: 'https://fake',
    client: {
      apply: (obj) => answer('apply', obj),
      replaceOrCreate: (obj) => answer('replace', obj),
      serverVersion: async () => 'v1.36.0',
      read: async (obj) => objects.get(formatKey(keyOf(obj))),
    },
    cache: {
      watch: async () => undefined,
      get: (key: ResourceKey) => objects.get(formatKey(key)),
      trackedBy: () => [],
      assertWatched: () => {},
      info: () => ({}),
    },
  };
  return { target, dryRuns };
}

test('acceptedAt: set by an accepted server-side apply dry run, not by a refusal, a replace or an absent object', async () => {
  const live = ['accepted', 'refused', 'replaced'].map((name) => configMap(name, 'old'));
  const { target, dryRuns } = clusterOf(live, ['refused']);
  const desired = [
    desiredOf(configMap('accepted', 'new')),
    desiredOf(configMap('refused', 'new')),
    desiredOf(configMap('replaced', 'new'), { Validate: 'false' }),
    desiredOf(configMap('absent', 'new')),
  ];
  const before = Date.now();
  const { resources } = await compareResources('web', desired, [], target, [], new ComparisonCache());
  const accepted = Object.fromEntries(resources.map((r) => [r.desired?.object.metadata.name, r.acceptedAt]));
  assert.ok((accepted.accepted ?? 0) >= before, 'the dry run that passed says when');
  assert.equal(accepted.refused, undefined);
  assert.equal(accepted.replaced, undefined, 'a dry-run replace is not the apply a sync validates with');
  assert.equal(accepted.absent, undefined, 'an absent object is not dry-run by the comparison');
  assert.deepEqual(dryRuns.sort(), ['apply accepted', 'apply refused', 'replace replaced']);
});

test('acceptedAt: a kept verdict keeps the time of its dry run; a real apply counts as accepted', async () => {
  const { target, dryRuns } = clusterOf([configMap('a', 'old'), configMap('b', 'old')]);
  const cache = new ComparisonCache();
  const a = desiredOf(configMap('a', 'new'));
  const first = await compareResources('web', [a], [], target, [], cache);
  const second = await compareResources('web', [a], [], target, [], cache);
  assert.equal(dryRuns.length, 1, 'the second comparison reuses the verdict');
  assert.equal(second.resources[0].acceptedAt, first.resources[0].acceptedAt);

  const b = desiredOf(configMap('b', 'old'));
  const before = Date.now();
  recordApplied(cache, 'web', b, [], {
    ...b.object,
    metadata: { ...b.object.metadata, resourceVersion: '1' },
  });
  const after = await compareResources('web', [b], [], target, [], cache);
  assert.equal(dryRuns.length, 1);
  assert.ok((after.resources[0].acceptedAt ?? 0) >= before);
});

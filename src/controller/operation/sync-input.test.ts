import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Application, withDefaults } from '../../core/model/application.ts';
import type { Comparison } from '../../domain/comparison/compare.ts';
import type { DesiredObject } from '../../domain/comparison/desired-state.ts';
import { plainDesired } from '../../domain/comparison/testkit.ts';
import { DRY_RUN_REUSE_MS, syncInputOf } from './sync-input.ts';

const app = withDefaults({
  apiVersion: 'tiphys.dev/v1alpha1',
  kind: 'Application',
  metadata: { name: 'web', namespace: 'tiphys' },
  spec: { source: { repoURL: 'https://git.example.com/web.git' }, destination: { namespace: 'team-a' } },
} as Application);

function desiredOf(name: string): DesiredObject {
  return plainDesired({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'team-a' } });
}

test('syncInputOf: only a dry run the server passed lately, of an object that exists, is a validation', () => {
  const now = 1_000_000_000;
  const accepted: Record<string, number | undefined> = {
    fresh: now - 5,
    stale: now - DRY_RUN_REUSE_MS - 1,
    never: undefined,
    absent: now - 5,
  };
  const desired = Object.keys(accepted).map(desiredOf);
  const comparison: Comparison = {
    status: 'OutOfSync',
    resources: desired.map((item) => ({
      id: item.id,
      desired: item,
      ...(item.key.name === 'absent' ? {} : { live: item.object }),
      status: 'OutOfSync' as const,
      requiresPruning: false,
      hook: false,
      ...(accepted[item.key.name] === undefined ? {} : { acceptedAt: accepted[item.key.name] }),
    })),
  };
  const input = syncInputOf('op-1', app, { sync: {} }, desired, [], comparison, true, [], now);
  assert.deepEqual(input.prevalidated, ['/ConfigMap/team-a/fresh']);
});

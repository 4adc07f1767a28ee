import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Application, withDefaults } from '../../core/model/application.ts';
import type { ApplicationStatus } from '../../core/model/application-status.ts';
import type { Comparison, ResourceComparison } from '../../domain/comparison/compare.ts';
import { decideAutoSync } from './auto-sync.ts';

const HEAD = 'a'.repeat(40);
const OLD = 'b'.repeat(40);

function app(
  automated: { prune?: boolean; selfHeal?: boolean } | undefined,
  status?: Partial<ApplicationStatus>,
  dependsOn?: string[],
) {
  return withDefaults({
    apiVersion: 'tiphys.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: 'web', namespace: 'tiphys' },
    spec: {
      project: 'default',
      source: { repoURL: 'https://git.example.com/config', path: 'web', targetRevision: 'HEAD' },
      destination: { cluster: 'in-cluster', namespace: 'web' },
      ...(automated ? { syncPolicy: { automated } } : {}),
      ...(dependsOn ? { dependsOn } : {}),
    },
    ...(status ? { status } : {}),
  } as Application);
}

function resource(
  status: 'Synced' | 'OutOfSync',
  extra: Partial<ResourceComparison> = {},
): ResourceComparison {
  return { id: `/ConfigMap:web/${extra.id ?? 'cm'}`, status, requiresPruning: false, hook: false, ...extra };
}

function comparison(...resources: ResourceComparison[]): Comparison {
  return { resources, status: resources.every((r) => r.status === 'Synced') ? 'Synced' : 'OutOfSync' };
}

const outOfSync = comparison(resource('OutOfSync'));

/** The status after an automated sync of `revision` ended in `phase`. */
function lastSync(revision: string, phase: 'Succeeded' | 'Failed' | 'Error', automated = true) {
  return {
    sync: { status: 'OutOfSync', revision },
    operationState: {
      operation: { sync: { revision }, initiatedBy: automated ? { automated: true } : { username: 'alice' } },
      phase,
      startedAt: '2026-01-01T00:00:00Z',
      syncResult: { revision },
    },
  } as unknown as Partial<ApplicationStatus>;
}

const dependency = (name: string, sync: string, health: string) =>
  ({
    metadata: { name, namespace: 'tiphys' },
    status: { sync: { status: sync }, health: { status: health } },
  }) as unknown as Application;

describe('decideAutoSync', () => {
  test('without an automated policy nothing starts', () => {
    assert.deepEqual(decideAutoSync(app(undefined), HEAD, outOfSync, []), {
      sync: false,
      reason: 'no automated sync policy',
    });
  });

  test('a new revision out of sync is synced', () => {
    assert.deepEqual(decideAutoSync(app({}, lastSync(OLD, 'Succeeded')), HEAD, outOfSync, []), {
      sync: true,
    });
  });

  test('nothing out of sync: nothing to sync (hooks do not count)', () => {
    const onlyHook = comparison(resource('Synced'), resource('OutOfSync', { id: 'hook', hook: true }));
    assert.deepEqual(decideAutoSync(app({ prune: true }), HEAD, onlyHook, []), {
      sync: false,
      reason: 'nothing to sync',
    });
  });

  test('an object to prune starts a sync only with prune on', () => {
    const extra = comparison(resource('Synced'), resource('OutOfSync', { id: 'old', requiresPruning: true }));
    assert.equal(decideAutoSync(app({ prune: false }), HEAD, extra, []).sync, false);
    assert.deepEqual(decideAutoSync(app({ prune: false }), HEAD, extra, []), {
      sync: false,
      reason: 'nothing to sync',
    });
    assert.deepEqual(decideAutoSync(app({ prune: true }), HEAD, extra, []), { sync: true });
  });

  test('drift on the revision already synced is reverted only with selfHeal', () => {
    const synced = lastSync(HEAD, 'Succeeded');
    assert.deepEqual(decideAutoSync(app({ selfHeal: false }, synced), HEAD, outOfSync, []), {
      sync: false,
      reason: 'the live state drifted but selfHeal is off',
    });
    assert.deepEqual(decideAutoSync(app({ selfHeal: true }, synced), HEAD, outOfSync, []), { sync: true });
  });

  test('a failed automated sync is not tried again at the same revision, but a new revision is', () => {
    for (const phase of ['Failed', 'Error'] as const) {
      const failed = lastSync(HEAD, phase);
      const decision = decideAutoSync(app({ selfHeal: true }, failed), HEAD, outOfSync, []);
      assert.deepEqual(decision, {
        sync: false,
        reason: `the automated sync of ${HEAD.slice(0, 7)} failed; not retrying it`,
      });
      const next = 'c'.repeat(40);
      assert.deepEqual(decideAutoSync(app({ selfHeal: true }, failed), next, outOfSync, []), { sync: true });
    }
  });

  test('a failed sync someone started by hand does not stop the automated one', () => {
    const manual = lastSync(HEAD, 'Failed', false);
    assert.deepEqual(decideAutoSync(app({ selfHeal: true }, manual), HEAD, outOfSync, []), { sync: true });
  });

  test('waits for a dependency until it is Synced and Healthy, and names a missing one', () => {
    const waiting = app({}, undefined, ['db', 'cache']);
    assert.deepEqual(
      decideAutoSync(waiting, HEAD, outOfSync, [dependency('db', 'Synced', 'Healthy'), undefined]),
      { sync: false, reason: 'waiting for Application cache, which does not exist' },
    );
    assert.deepEqual(
      decideAutoSync(waiting, HEAD, outOfSync, [
        dependency('db', 'Synced', 'Progressing'),
        dependency('cache', 'Synced', 'Healthy'),
      ]),
      {
        sync: false,
        reason: 'waiting for Application db to be Synced and Healthy (now Synced, Progressing)',
      },
    );
    assert.deepEqual(
      decideAutoSync(waiting, HEAD, outOfSync, [
        dependency('db', 'Synced', 'Healthy'),
        dependency('cache', 'Synced', 'Healthy'),
      ]),
      { sync: true },
    );
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Destination } from '../../adapters/control-plane/destination-registry.ts';
import { type Application, withDefaults } from '../../core/model/application.ts';
import type { ApplicationStatus } from '../../core/model/application-status.ts';
import type { Condition } from '../../core/model/common.ts';
import type { AppComparison, DesiredState } from '../../domain/comparison/comparison-service.ts';
import { ProjectViolationError } from '../../domain/comparison/errors.ts';
import { ControllerMetrics } from '../metrics.ts';
import { type OperationDeps, operationStep } from './operation-step.ts';

const REFUSAL =
  'not permitted: ConfigMap kube-system/x: namespace kube-system is not a destination of project team-a';

function appWith(status: ApplicationStatus | undefined, operation?: unknown): Application {
  return {
    apiVersion: 'tiphys.dev/v1alpha1',
    kind: 'Application',
    metadata: { name: 'explicit', namespace: 'tiphys' },
    spec: {
      project: 'team-a',
      source: { repoURL: 'https://git.example/tenant.git', path: 'explicit', targetRevision: 'HEAD' },
      destination: { cluster: 'in-cluster', namespace: 'team-a' },
    },
    ...(status ? { status } : {}),
    ...(operation ? { operation } : {}),
  } as unknown as Application;
}

/** Deps whose comparison service refuses the revision `bad` as the project would, and records writes. */
function depsRefusing(): { deps: OperationDeps; persisted: Partial<ApplicationStatus>[] } {
  const persisted: Partial<ApplicationStatus>[] = [];
  const deps = {
    apps: {
      get: () => undefined,
      list: () => [],
      patch: async () => {},
      fetchProject: async () => undefined,
    },
    comparisons: {
      resolve: async (_app: unknown, revision?: string) => (revision === 'bad' ? 'bad-sha' : 'good-sha'),
      desired: async (_app: unknown, revision: string) => {
        if (revision === 'bad-sha') throw new ProjectViolationError(REFUSAL);
        throw new Error(`unexpected render of ${revision}`);
      },
    },
    metrics: new ControllerMetrics(),
    persist: async (_name: string, status: Partial<ApplicationStatus>) => {
      persisted.push(status);
    },
  } as unknown as OperationDeps;
  return { deps, persisted };
}

const target = { revision: 'good-sha', objects: [] } as unknown as DesiredState;
const compared = {
  comparison: { status: 'OutOfSync', resources: [] },
  tracked: [],
} as unknown as AppComparison;

async function step(deps: OperationDeps, app: Application) {
  const conditions: Condition[] = [];
  const outcome = await operationStep(deps, {
    app: withDefaults(app),
    destination: {} as Destination,
    target,
    compared,
    conditions,
  });
  return { outcome, conditions };
}

test('an explicitly requested revision the project refuses ends the operation in Error with a ProjectViolation condition', async () => {
  const { deps } = depsRefusing();
  const { outcome, conditions } = await step(deps, appWith(undefined, { sync: { revision: 'bad' } }));
  assert.equal(outcome.operationState?.phase, 'Error');
  assert.equal(outcome.operationState?.message, REFUSAL);
  assert.deepEqual(
    conditions.map((c) => [c.type, c.message]),
    [['ProjectViolation', REFUSAL]],
  );
});

test('the ProjectViolation of a refused operation stays on the next reconciles while that operation is the latest', async () => {
  const { deps } = depsRefusing();
  const first = await step(deps, appWith(undefined, { sync: { revision: 'bad' } }));
  const refused = first.outcome.operationState;
  // The next reconciles: the target revision is fine and nothing new is requested.
  for (let reconcile = 0; reconcile < 2; reconcile++) {
    const next = await step(deps, appWith({ operationState: refused, conditions: first.conditions }));
    assert.equal(next.outcome.operationState, refused, 'the refused operation is still the latest');
    assert.deepEqual(
      next.conditions.map((c) => [c.type, c.message]),
      [['ProjectViolation', REFUSAL]],
      `reconcile ${reconcile + 2} keeps the condition`,
    );
  }
});

test('an operation that ended in Error for another cause adds no ProjectViolation', async () => {
  const { deps } = depsRefusing();
  const failed = {
    operation: { sync: { revision: 'good' } },
    phase: 'Error' as const,
    message: 'cluster unreachable',
    startedAt: '2026-01-01T00:00:00Z',
    progress: { operationId: 'abc', revision: 'good-sha' },
  };
  const { conditions } = await step(deps, appWith({ operationState: failed }));
  assert.deepEqual(conditions, []);
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Application } from '../model/application.ts';
import type { Freight, Pipeline, StageStatus } from '../model/pipeline.ts';
import { freightOfImages } from './freight.ts';
import { AUTO_PROMOTER, planPipeline } from './plan.ts';
import { needsVerification, nextStageStatus, observeStage } from './stage-state.ts';

const NOW = new Date('2026-11-30T12:00:00Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString();
const F1 = freightOfImages({ hello: 'hello:1.0.1' }, 'c1');
const F0 = freightOfImages({ hello: 'hello:1.0.0' }, 'c0');

function pipeline(
  prod: Partial<Pipeline['spec']['stages'][number]> = {},
  extra: Partial<Pipeline> = {},
): Pipeline {
  return {
    apiVersion: 'tiphys.dev/v1alpha1',
    kind: 'Pipeline',
    metadata: { name: 'hello' },
    spec: {
      project: 'team-a',
      repoURL: 'https://git/config.git',
      layout: 'overlays',
      stages: [
        { name: 'dev', applications: ['hello-dev'], path: 'dev' },
        { name: 'prod', applications: ['hello-prod'], path: 'prod', ...prod },
      ],
    },
    ...extra,
  };
}

const healthyDev = (freight: Freight, since = 600): StageStatus => ({
  name: 'dev',
  health: 'Healthy',
  message: 'ok',
  current: freight,
  healthySince: ago(since),
  verified: [freight],
});
const prodAt = (freight: Freight, more: Partial<StageStatus> = {}): StageStatus => ({
  name: 'prod',
  health: 'Healthy',
  message: 'ok',
  current: freight,
  verified: [freight],
  ...more,
});

describe('promotion plan', () => {
  test('a verified freight that soaked long enough is promoted automatically', () => {
    const plan = planPipeline(pipeline({ soakSeconds: 300 }), [healthyDev(F1), prodAt(F0)], NOW);
    assert.deepEqual(plan.actions, [{ kind: 'promote', stage: 'prod', freight: F1, by: AUTO_PROMOTER }]);
  });

  test('soak not over: nothing moves and the gate says how long it soaked', () => {
    const plan = planPipeline(pipeline({ soakSeconds: 300 }), [healthyDev(F1, 12), prodAt(F0)], NOW);
    assert.deepEqual(plan.actions, []);
    const soak = plan.verdicts.get('prod')?.gates.find((g) => g.name === 'soak');
    assert.equal(soak?.passed, false);
    assert.equal(soak?.message, 'soaking in dev: 12 of 300 s');
  });

  test('approval needed: waits, then goes once approved for that very freight', () => {
    const statuses = [healthyDev(F1), prodAt(F0)];
    assert.deepEqual(planPipeline(pipeline({ approval: true }), statuses, NOW).actions, []);
    const otherFreight = { approvals: [{ stage: 'prod', freight: F0.id, by: 'alice', at: ago(5) }] };
    assert.deepEqual(planPipeline(pipeline({ approval: true }, otherFreight), statuses, NOW).actions, []);
    const approved = { approvals: [{ stage: 'prod', freight: F1.id, by: 'alice', at: ago(5) }] };
    const plan = planPipeline(pipeline({ approval: true }, approved), statuses, NOW);
    assert.equal(plan.actions[0]?.freight.id, F1.id);
    assert.match(plan.verdicts.get('prod')?.gates.at(-1)?.message ?? '', /approved by alice/);
  });

  test('a degraded previous stage stops the release and says why', () => {
    const dev: StageStatus = {
      ...healthyDev(F1),
      health: 'Degraded',
      message: 'application hello-dev is Degraded',
    };
    const plan = planPipeline(pipeline(), [dev, prodAt(F0)], NOW);
    assert.deepEqual(plan.actions, []);
    assert.match(plan.verdicts.get('prod')?.gates[0].message ?? '', /hello-dev is Degraded/);
  });

  test('a failed verification Job of the previous stage blocks, naming the Job', () => {
    const p = pipeline();
    p.spec.stages[0].verification = { job: {} };
    const dev: StageStatus = {
      ...healthyDev(F1),
      verified: [],
      verification: {
        freight: F1.id,
        job: 'verify-dev',
        phase: 'Failed',
        message: 'BackoffLimitExceeded',
        startedAt: ago(9),
      },
    };
    const plan = planPipeline(p, [dev, prodAt(F0)], NOW);
    assert.deepEqual(plan.actions, []);
    assert.match(plan.verdicts.get('prod')?.message ?? '', /dev has not verified/);
    const requested = planPipeline(
      { ...p, request: { kind: 'promote', stage: 'prod', by: 'bob', at: ago(1) } },
      [dev, prodAt(F0)],
      NOW,
    );
    assert.match(requested.refusal ?? '', /refused: stage dev has not verified/);
  });

  test('a committed promotion is not written again while the apps catch up; a rollback is not undone', () => {
    const committed = prodAt(F0, {
      history: [{ kind: 'promote', freight: F1.id, by: AUTO_PROMOTER, at: ago(2), result: 'Committed' }],
    });
    assert.deepEqual(planPipeline(pipeline(), [healthyDev(F1), committed], NOW).actions, []);
    const heldBack = prodAt(F0, { held: F1.id });
    assert.deepEqual(planPipeline(pipeline(), [healthyDev(F1), heldBack], NOW).actions, []);
  });

  test('manual promote into the first stage and rollback to an unknown freight are refused', () => {
    const statuses = [healthyDev(F1), prodAt(F0)];
    const first = planPipeline(
      pipeline({}, { request: { kind: 'promote', stage: 'dev', by: 'x', at: ago(1) } }),
      statuses,
      NOW,
    );
    assert.match(first.refusal ?? '', /first stage/);
    const unknown = planPipeline(
      pipeline({}, { request: { kind: 'rollback', stage: 'prod', freight: 'nope', by: 'x', at: ago(1) } }),
      statuses,
      NOW,
    );
    assert.match(unknown.refusal ?? '', /never verified freight nope/);
    const back = planPipeline(
      pipeline(
        { autoPromote: false },
        { request: { kind: 'rollback', stage: 'prod', freight: F0.id, by: 'x', at: ago(1) } },
      ),
      [healthyDev(F1), prodAt(F1, { verified: [F1, F0] })],
      NOW,
    );
    assert.deepEqual(back.actions, [{ kind: 'rollback', stage: 'prod', freight: F0, by: 'x' }]);
  });
});

describe('stage state', () => {
  const app = (name: string, sync: string, health: string, revision = 'r1') =>
    [
      name,
      { metadata: { name }, status: { sync: { status: sync, revision }, health: { status: health } } },
    ] as [string, Application];
  const stage = { name: 'dev', applications: ['a', 'b'] };

  test('healthy only when every app is Synced and Healthy, listing their revisions', () => {
    assert.deepEqual(
      observeStage(stage, new Map([app('a', 'Synced', 'Healthy'), app('b', 'Synced', 'Healthy')])).revisions,
      ['r1'],
    );
    assert.match(
      observeStage(stage, new Map([app('a', 'Synced', 'Healthy'), app('b', 'OutOfSync', 'Healthy')])).message,
      /b is OutOfSync\/Healthy/,
    );
    // Two revisions (a commit for another stage reaching each app at its own time): the caller
    // checks that both pin the same freight.
    assert.deepEqual(
      observeStage(stage, new Map([app('a', 'Synced', 'Healthy', 'r2'), app('b', 'Synced', 'Healthy')]))
        .revisions,
      ['r1', 'r2'],
    );
    assert.equal(observeStage(stage, new Map([app('a', 'Synced', 'Healthy')])).health, 'Unknown');
  });

  test('healthy-since holds while the freight stays, and restarts when it changes', () => {
    const observed = { health: 'Healthy' as const, message: 'ok', revisions: ['c1'] };
    const first = nextStageStatus(stage, undefined, observed, F1, new Date(ago(100)));
    const later = nextStageStatus(stage, first, observed, F1, NOW);
    assert.equal(later.healthySince, ago(100));
    assert.deepEqual(
      later.verified?.map((f) => f.id),
      [F1.id],
    );
    const changed = nextStageStatus(stage, later, observed, F0, NOW);
    assert.equal(changed.healthySince, NOW.toISOString());
  });

  test('with a verification Job, a healthy freight is verified only after the Job succeeded', () => {
    const verifying = { ...stage, verification: { job: {} } };
    const observed = { health: 'Healthy' as const, message: 'ok', revisions: ['c1'] };
    const status = nextStageStatus(verifying, undefined, observed, F1, NOW);
    assert.equal(status.verified, undefined);
    assert.equal(needsVerification(verifying, status), true);
    const succeeded = {
      ...status,
      verification: { freight: F1.id, job: 'j', phase: 'Succeeded', startedAt: ago(1) },
    };
    assert.deepEqual(
      nextStageStatus(verifying, succeeded, observed, F1, NOW).verified?.map((f) => f.id),
      [F1.id],
    );
  });
});

describe('blocked releases', () => {
  test('a Degraded previous stage, or its failed verification Job, is a block with the reason', () => {
    const degraded: StageStatus = {
      ...healthyDev(F1),
      health: 'Degraded',
      message: 'application hello-dev is Degraded',
    };
    const verdict = planPipeline(pipeline(), [degraded, prodAt(F0)], NOW).verdicts.get('prod');
    assert.equal(verdict?.blocked, 'health: stage dev is Degraded: application hello-dev is Degraded');
    const p = pipeline();
    p.spec.stages[0].verification = { job: {} };
    const failedJob: StageStatus = {
      ...healthyDev(F1),
      verified: [F0],
      verification: {
        freight: F1.id,
        job: 'ns/verify',
        phase: 'Failed',
        message: 'exit 1',
        startedAt: ago(3),
      },
    };
    const blocked = planPipeline(p, [failedJob, prodAt(F0)], NOW).verdicts.get('prod');
    assert.equal(blocked?.blocked, 'verification: verification Job ns/verify failed: exit 1');
    assert.equal(
      blocked?.message,
      `stage dev has not verified ${F1.id}: verification Job ns/verify failed: exit 1`,
    );
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Application } from '../model/application.ts';
import type { ApplicationSet } from '../model/application-set.ts';
import { planSet } from './plan.ts';
import { renderApplications } from './render-apps.ts';
import { decideRollout, maxUpdateOf, parseRolloutAction } from './rollout.ts';
import { appSet, liveApp, observed } from './testkit.ts';

const clusters = ['eu-1', 'eu-2', 'us-1', 'us-2', 'ap-1'].map((name) => ({
  name,
  server: `https://${name}:6443`,
}));
const rolling = (maxUpdate?: number | string): Partial<ApplicationSet['spec']> => ({
  strategy: {
    type: 'RollingSync',
    rollingSync: {
      steps: [
        {
          matchExpressions: [{ key: 'region', operator: 'In', values: ['eu'] }],
          ...(maxUpdate === undefined ? {} : { maxUpdate }),
        },
        { matchExpressions: [{ key: 'region', operator: 'In', values: ['us'] }] },
      ],
    },
  },
});

function generate(set: ApplicationSet, rev: string): Application[] {
  const sets = clusters.map((c) => ({
    params: { name: c.name, server: c.server, region: c.name.slice(0, 2), rev },
  }));
  return renderApplications(set, sets, { namespace: 'tiphys', clusters }).apps;
}

/** Runs one decision against the live apps, returning it and the live apps after its writes. */
function step(set: ApplicationSet, rev: string, live: Map<string, Application>, action?: string) {
  const plan = planSet({
    set,
    generated: generate(set, rev),
    existing: [...live.values()],
    projectSpec: { sourceRepos: ['*'], destinations: [{ cluster: '*', namespace: '*' }] },
    maxApplications: 100,
  });
  const decision = decideRollout(set, plan, live, parseRolloutAction(action));
  for (const app of [...decision.create, ...decision.update]) live.set(app.metadata.name, liveApp(app));
  set.status = { ...set.status, rollout: decision.rollout };
  return decision;
}

/** The app controller's part: each app reaches the given health on its current spec. */
function settle(live: Map<string, Application>, health: Record<string, string> = {}) {
  for (const [name, app] of live) {
    app.status = observed(app, 'Synced', health[name] ?? 'Healthy');
  }
}

const statusOf = (d: ReturnType<typeof step>, name: string) =>
  d.applicationStatus.find((s) => s.application === name);

describe('progressive rollout', () => {
  test('without a strategy every create and update goes at once', () => {
    const set = appSet();
    const live = new Map<string, Application>();
    const d = step(set, 'v1', live);
    assert.equal(d.create.length, 5);
    assert.equal(d.rollout, undefined);
  });

  test('step 1 first, maxUpdate at a time; step 2 after step 1 is Synced and Healthy; then the rest', () => {
    const set = appSet(rolling(1));
    const live = new Map<string, Application>();
    let d = step(set, 'v1', live);
    assert.deepEqual(
      d.create.map((a) => a.metadata.name),
      ['eu-1-shop'],
    );
    assert.equal(d.rollout?.step, 1);
    assert.equal(statusOf(d, 'us-1-shop')?.step, 2);
    assert.equal(statusOf(d, 'us-1-shop')?.status, 'Waiting');
    assert.equal(statusOf(d, 'ap-1-shop')?.step, 3, 'apps no step selects come last');
    d = step(set, 'v1', live);
    assert.equal(d.create.length, 0, 'eu-1 is still progressing: maxUpdate 1 holds eu-2');
    settle(live);
    d = step(set, 'v1', live);
    assert.deepEqual(
      d.create.map((a) => a.metadata.name),
      ['eu-2-shop'],
    );
    settle(live);
    d = step(set, 'v1', live);
    assert.deepEqual(d.create.map((a) => a.metadata.name).sort(), ['us-1-shop', 'us-2-shop']);
    assert.equal(d.rollout?.step, 2);
    settle(live);
    d = step(set, 'v1', live);
    assert.deepEqual(
      d.create.map((a) => a.metadata.name),
      ['ap-1-shop'],
    );
    settle(live);
    d = step(set, 'v1', live);
    assert.equal(d.rollout?.phase, 'Completed');
    // A template change starts over at step 1.
    d = step(set, 'v2', live);
    assert.equal(d.rollout?.phase, 'Progressing');
    assert.deepEqual(
      d.update.map((a) => a.metadata.name),
      ['eu-1-shop'],
    );
  });

  test('a new revision of a non-primary source (a values repository) is rolled out step by step too', () => {
    const set = appSet(rolling(1));
    set.spec.template.spec = {
      project: 'team',
      sources: [
        {
          repoURL: 'oci://registry.example/charts',
          chart: 'shop',
          targetRevision: '1.0.0',
          helm: { valueFiles: ['$values/shop/values.yaml'] },
        },
        { repoURL: 'https://git.example/values.git', targetRevision: '{{rev}}', ref: 'values' },
      ],
      destination: { server: '{{server}}', namespace: 'shop' },
    };
    const live = new Map<string, Application>();
    for (let round = 0; round < 6; round++) {
      step(set, 'v1', live);
      settle(live);
    }
    assert.equal(step(set, 'v1', live).rollout?.phase, 'Completed');
    // Only the values source moves: the chart (the source that renders) is the same.
    const before = live.get('eu-1-shop')?.status;
    let d = step(set, 'v2', live);
    assert.deepEqual(
      d.update.map((a) => a.metadata.name),
      ['eu-1-shop'],
    );
    // A spec update keeps the status the controller wrote last (the test's live map drops it).
    const updated = live.get('eu-1-shop');
    if (updated && before) updated.status = before;
    // eu-1's status still says it was compared on v1 of the values: it has not caught up, so
    // eu-2 must wait (a check of the chart source alone would call eu-1 Healthy and go on).
    d = step(set, 'v2', live);
    assert.equal(d.update.length, 0, 'eu-2 waits while eu-1 is compared on the old values');
    assert.equal(statusOf(d, 'eu-1-shop')?.status, 'Progressing');
    settle(live);
    d = step(set, 'v2', live);
    assert.deepEqual(
      d.update.map((a) => a.metadata.name),
      ['eu-2-shop'],
    );
  });

  test('a Degraded app stops the rollout; resume accepts it and goes on; abort stops for good', () => {
    const set = appSet(rolling());
    const live = new Map<string, Application>();
    step(set, 'v1', live);
    settle(live, { 'eu-2-shop': 'Degraded' });
    let d = step(set, 'v1', live);
    assert.equal(d.rollout?.phase, 'Stopped');
    assert.match(d.rollout?.message ?? '', /eu-2-shop is Degraded/);
    assert.equal(d.create.length, 0);
    assert.equal(statusOf(d, 'eu-2-shop')?.status, 'Degraded');
    // The app healing alone does not restart it: a person decides.
    settle(live);
    d = step(set, 'v1', live);
    assert.equal(d.rollout?.phase, 'Stopped');
    settle(live, { 'eu-2-shop': 'Degraded' });
    d = step(set, 'v1', live, 'resume@1');
    assert.equal(d.rollout?.phase, 'Progressing');
    assert.deepEqual(d.create.map((a) => a.metadata.name).sort(), ['us-1-shop', 'us-2-shop']);
    d = step(set, 'v1', live, 'resume@1');
    assert.equal(d.create.length, 0, 'the same request is acted on once');
    d = step(set, 'v1', live, 'abort@2');
    assert.equal(d.rollout?.phase, 'Aborted');
    settle(live, { 'eu-2-shop': 'Degraded' });
    d = step(set, 'v1', live, 'abort@2');
    assert.equal(d.create.length, 0, 'aborted: ap-1 is never created for this revision');
    assert.equal(d.rollout?.phase, 'Aborted');
  });

  test('maxUpdate as a percentage, at least one', () => {
    assert.equal(maxUpdateOf({ maxUpdate: '50%' }, 4), 2);
    assert.equal(maxUpdateOf({ maxUpdate: '10%' }, 4), 1);
    assert.equal(maxUpdateOf({ maxUpdate: 3 }, 4), 3);
    assert.equal(maxUpdateOf({}, 4), 4);
  });

  test('an action annotation must say resume@id or abort@id', () => {
    assert.deepEqual(parseRolloutAction('resume@x1'), { kind: 'resume', id: 'resume@x1' });
    assert.equal(parseRolloutAction('restart@1'), undefined);
    assert.equal(parseRolloutAction(undefined), undefined);
  });
});

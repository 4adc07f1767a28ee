import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AppProjectSpec } from '../model/app-project.ts';
import type { Application } from '../model/application.ts';
import type { ApplicationSet } from '../model/application-set.ts';
import type { ParamSet } from './generators.ts';
import { isOwnedBy, planSet } from './plan.ts';
import { APPLICATION_SET_LABEL, renderApplications } from './render-apps.ts';
import { appSet } from './testkit.ts';

const clusters = [
  { name: 'eu-1', server: 'https://eu-1:6443' },
  { name: 'us-1', server: 'https://us-1:6443' },
];
const project: AppProjectSpec = {
  sourceRepos: ['https://git.example/*'],
  destinations: [{ cluster: '*-1', namespace: 'shop' }],
};
const params = (name: string, extra: Record<string, string> = {}): ParamSet => ({
  params: { name, server: `https://${name}:6443`, region: name.slice(0, 2), rev: 'main', ...extra },
});

function render(set: ApplicationSet, sets: ParamSet[]) {
  return renderApplications(set, sets, { namespace: 'tiphys', clusters });
}

function plan(set: ApplicationSet, generated: Application[], existing: Application[] = [], max = 100) {
  return planSet({ set, generated, existing, projectSpec: project, maxApplications: max });
}

describe('rendering generated apps', () => {
  test('an Argo CD template: destination.server becomes the registered Cluster, labels name the set', () => {
    const { apps, problems } = render(appSet(), [params('eu-1'), params('us-1')]);
    assert.deepEqual(problems, []);
    assert.equal(apps[0]?.metadata.name, 'eu-1-shop');
    assert.deepEqual(apps[0]?.spec.destination, { namespace: 'shop', cluster: 'eu-1' });
    assert.equal(apps[0]?.spec.source?.targetRevision, 'main');
    assert.equal(apps[0]?.metadata.labels?.[APPLICATION_SET_LABEL], 'shops');
    assert.equal(apps[0]?.metadata.labels?.region, 'eu');
  });
  test('kubernetes.default.svc is in-cluster; an unknown server, a bad name, a missing param are problems', () => {
    const { apps, problems } = render(appSet(), [
      params('local', { server: 'https://kubernetes.default.svc' }),
      params('ghost'),
      params('Bad_Name'),
      { params: { server: 'https://eu-1:6443', region: 'eu', rev: 'x' } },
    ]);
    assert.deepEqual(
      apps.map((a) => a.spec.destination.cluster),
      ['in-cluster'],
    );
    assert.equal(problems.length, 3);
    assert.match(
      problems[0] ?? '',
      /ghost-shop: destination.server https:\/\/ghost:6443 is not the server of any registered Cluster/,
    );
    assert.match(problems[1] ?? '', /"Bad_Name-shop" is not a valid object name/);
    assert.match(problems[2] ?? '', /\{\{name\}\} names no parameter/);
  });
  test('a generated spec that is not a valid Application is a problem naming the field', () => {
    const set = appSet();
    (set.spec.template.spec as Record<string, unknown>).sources = [];
    const { problems } = render(set, [params('eu-1')]);
    assert.match(problems[0] ?? '', /eu-1-shop: .*sources/);
  });
  test("the Argo CD finalizer becomes Tiphys's, and preserveResourcesOnDeletion drops it", () => {
    const set = appSet();
    set.spec.template.metadata.finalizers = ['resources-finalizer.argocd.argoproj.io', 'example.com/keep'];
    assert.deepEqual(render(set, [params('eu-1')]).apps[0]?.metadata.finalizers, [
      'resources-finalizer.tiphys.dev',
      'example.com/keep',
    ]);
    set.spec.syncPolicy = { preserveResourcesOnDeletion: true };
    assert.deepEqual(render(set, [params('eu-1')]).apps[0]?.metadata.finalizers, ['example.com/keep']);
  });
  test('without preserveResourcesOnDeletion a generated app cascades even when the template says nothing (Argo CD)', () => {
    const set = appSet();
    delete set.spec.template.metadata.finalizers;
    assert.deepEqual(render(set, [params('eu-1')]).apps[0]?.metadata.finalizers, [
      'resources-finalizer.tiphys.dev',
    ]);
    set.spec.syncPolicy = { applicationsSync: 'create-delete', preserveResourcesOnDeletion: true };
    assert.equal(render(set, [params('eu-1')]).apps[0]?.metadata.finalizers, undefined);
  });
});

describe('planning a set', () => {
  const set = appSet();
  const generated = render(set, [params('eu-1'), params('us-1')]).apps;

  test('new apps are created, owned by the set', () => {
    const p = plan(set, generated);
    assert.equal(p.refusal, undefined);
    assert.deepEqual(
      p.create.map((a) => a.metadata.name),
      ['eu-1-shop', 'us-1-shop'],
    );
    assert.ok(p.create.every((a) => isOwnedBy(a, set)));
  });
  const owned = () => plan(set, generated).create;

  test('sync: a changed app is updated, an app no longer generated is deleted; same apps change nothing', () => {
    const live = owned();
    assert.deepEqual(plan(set, generated, live), {
      ...plan(set, generated, live),
      create: [],
      update: [],
      delete: [],
    });
    const changed = render(set, [params('eu-1', { rev: 'v2' })]).apps;
    const p = plan(set, changed, live);
    assert.deepEqual(
      p.update.map((a) => a.metadata.name),
      ['eu-1-shop'],
    );
    assert.deepEqual(
      p.delete.map((a) => a.metadata.name),
      ['us-1-shop'],
    );
  });
  test('policies: create-only, create-update, create-delete', () => {
    const live = owned();
    const changed = render(set, [params('eu-1', { rev: 'v2' })]).apps;
    const withPolicy = (
      applicationsSync: NonNullable<ApplicationSet['spec']['syncPolicy']>['applicationsSync'],
    ) => {
      const s = appSet({ syncPolicy: { applicationsSync } });
      const p = plan(s, changed, live);
      return [p.update.length, p.delete.length];
    };
    assert.deepEqual(withPolicy('create-only'), [0, 0]);
    assert.deepEqual(withPolicy('create-update'), [1, 0]);
    assert.deepEqual(withPolicy('create-delete'), [0, 1]);
    assert.deepEqual(withPolicy('sync'), [1, 1]);
  });
  test('duplicate names refuse the whole generation; nothing is deleted', () => {
    const dup = render(set, [params('eu-1'), params('eu-1', { rev: 'other' })]).apps;
    const p = plan(set, dup, owned());
    assert.match(p.refusal ?? '', /more than one app named eu-1-shop/);
    assert.equal(p.create.length + p.update.length + p.delete.length, 0);
  });
  test('more apps than the cap refuse the whole generation', () => {
    const p = plan(set, generated, [], 1);
    assert.match(p.refusal ?? '', /make 2 apps, more than the limit of 1/);
    assert.equal(p.create.length, 0);
  });
  test('attacker: an app of another owner with the generated name is left alone, not adopted or changed', () => {
    const theirs = structuredClone(generated[0] as Application);
    theirs.metadata.labels = { owner: 'someone-else' };
    const p = plan(set, generated, [theirs]);
    assert.deepEqual(
      p.refused.map((r) => r.name),
      ['eu-1-shop'],
    );
    assert.match(p.refused[0]?.message ?? '', /does not belong to this set/);
    assert.ok(!p.update.some((a) => a.metadata.name === 'eu-1-shop'));
    assert.ok(!p.delete.some((a) => a.metadata.name === 'eu-1-shop'));
  });
  test('attacker: apps of another set (other uid) are never deleted', () => {
    const other = appSet();
    other.metadata.uid = 'other-uid';
    const theirs = plan(other, generated).create;
    const p = plan(set, [], theirs);
    assert.equal(p.delete.length, 0);
  });
  test('attacker: a generator template moving an app to another project is refused', () => {
    const sets = [{ ...params('eu-1'), template: { spec: { project: 'admin' } } }, params('us-1')];
    const p = plan(set, render(set, sets).apps);
    assert.deepEqual(
      p.refused.map((r) => r.name),
      ['eu-1-shop'],
    );
    assert.match(p.refused[0]?.message ?? '', /only generate apps in project team, not admin/);
    assert.deepEqual(
      p.create.map((a) => a.metadata.name),
      ['us-1-shop'],
    );
  });
  test('attacker: a destination or repository the project forbids is refused per app', () => {
    const evil = appSet();
    evil.spec.template.spec.destination = { server: '{{server}}', namespace: '{{ns}}' };
    const apps = render(evil, [params('eu-1', { ns: 'kube-system' }), params('us-1', { ns: 'shop' })]).apps;
    const p = plan(evil, apps);
    assert.deepEqual(
      p.refused.map((r) => r.name),
      ['eu-1-shop'],
    );
    assert.match(p.refused[0]?.message ?? '', /namespace kube-system is not permitted in project team/);
  });
  test('attacker: a templated project is refused as a whole', () => {
    const evil = appSet();
    evil.spec.template.spec.project = '{{project}}';
    assert.match(plan(evil, []).refusal ?? '', /fixed project name/);
  });
  test('a missing project refuses everything', () => {
    const p = planSet({ set, generated, existing: [], projectSpec: undefined, maxApplications: 10 });
    assert.match(p.refusal ?? '', /project team does not exist/);
  });
});

// Several sources in one app (spec.sources), end to end: a chart from the testbed registry with
// its values file from the config Git repository ($values/…), plus plain manifests of that
// repository; each source's revision in the status; a commit to the values moves the app. And
// what an attacker or a slip would write, each a condition with nothing written: a value file
// climbing out of the ref's repository, a source repository the project does not permit, a
// chart that renders nothing.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Controller } from '../../src/controller/controller.ts';
import type { Application } from '../../src/core/model/application.ts';
import { packageChart, pushChart } from '../../testbed/src/charts.ts';
import { runCommand } from '../../testbed/src/host-command.ts';
import { startRegistry, type TestRegistry } from '../../testbed/src/registry.ts';
import {
  createApp,
  type Env,
  NAMESPACE,
  readObject,
  startEnv,
  startInProcessController,
  syncedAndHealthy,
  waitForApp,
} from './support.ts';

const automated = { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] };

const conditionOf = (app: Application, type: string) =>
  app.status?.conditions?.find((c) => c.type === type)?.message;

describe('several sources: a registry chart with values from Git', () => {
  let env: Env;
  let controller: Controller;
  let registry: TestRegistry;
  let work: string;
  let chartRepo: string;
  let configRepo: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'tiphys-multi-source-e2e-'));
    [env, registry] = await Promise.all([startEnv('multi-source'), startRegistry()]);
    await pushChart(
      env.tools.helm,
      registry,
      await packageChart(env.tools.helm, work, { name: 'shop', version: '1.0.0' }),
      'charts',
    );
    // A chart whose only template is off by default: it renders nothing.
    const quiet = join(work, 'quiet');
    mkdirSync(join(quiet, 'templates'), { recursive: true });
    writeFileSync(join(quiet, 'Chart.yaml'), 'apiVersion: v2\nname: quiet\nversion: 0.3.1\n');
    writeFileSync(
      join(quiet, 'templates', 'cm.yaml'),
      '{{- if .Values.enabled }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: quiet\n{{- end }}\n',
    );
    const out = join(work, 'quiet-out');
    await runCommand(env.tools.helm, ['package', quiet, '--destination', out], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work },
    });
    await pushChart(env.tools.helm, registry, join(out, readdirSync(out)[0]), 'charts');
    await env.rest.request('POST', `/api/v1/namespaces/${NAMESPACE}/secrets`, {
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'registry', labels: { 'tiphys.dev/secret-type': 'repository' } },
        stringData: {
          url: `oci://${registry.host}`,
          username: registry.username,
          password: registry.password,
          caCert: registry.caPem,
        },
      },
    });
    await env.git.createRepo('config');
    await env.git.commitFiles(
      'config',
      {
        'shop/prod.yaml': 'greeting: from-git-values\n',
        'extra/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  from: git\n',
      },
      'values and manifests',
    );
    chartRepo = `oci://${registry.host}/charts`;
    configRepo = env.git.repoUrl('config');
    await env.rest.request('POST', `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/appprojects`, {
      body: {
        apiVersion: 'tiphys.dev/v1alpha1',
        kind: 'AppProject',
        metadata: { name: 'charts-only' },
        spec: { sourceRepos: [`${chartRepo}*`], destinations: [{ cluster: 'in-cluster', namespace: '*' }] },
      },
    });
    controller = startInProcessController(env);
    await controller.start();
  });
  after(async () => {
    await controller?.stop();
    await Promise.all([env?.stop(), registry?.stop()]);
    rmSync(work, { recursive: true, force: true });
  });

  const sources = (valueFile: string) => [
    { repoURL: chartRepo, chart: 'shop', targetRevision: '1.0.0', helm: { valueFiles: [valueFile] } },
    { repoURL: configRepo, targetRevision: 'HEAD', ref: 'values', path: 'extra' },
  ];

  test('the chart takes its values from the Git source; both revisions are in the status; a commit moves it', async () => {
    await createApp(env, 'shop', {
      sources: sources('$values/shop/prod.yaml'),
      destination: { namespace: 'shop' },
      syncPolicy: automated,
    });
    const app = await waitForApp(env, 'shop', syncedAndHealthy, 'Synced and Healthy', 120_000);
    assert.match(app.status?.sync?.revision ?? '', /^1\.0\.0@sha256:[0-9a-f]{64};[0-9a-f]{40}$/);
    const cm = await readObject(env, '/api/v1/namespaces/shop/configmaps/shop-shop');
    assert.equal((cm?.data as Record<string, string> | undefined)?.greeting, 'from-git-values');
    const extra = await readObject(env, '/api/v1/namespaces/shop/configmaps/extra');
    assert.deepEqual(extra?.data, { from: 'git' }, 'the ref source with a path is rendered too');

    const commit = await env.git.commitFiles(
      'config',
      { 'shop/prod.yaml': 'greeting: changed\n' },
      'new values',
    );
    controller.refresh('shop');
    const moved = await waitForApp(
      env,
      'shop',
      (a) => (a.status?.sync?.revision ?? '').endsWith(`;${commit}`) && syncedAndHealthy(a),
      'synced to the new values commit',
      120_000,
    );
    assert.ok(
      moved.status?.history?.some((entry) => entry.revision === moved.status?.sync?.revision),
      'the history names both revisions',
    );
    const changed = await readObject(env, '/api/v1/namespaces/shop/configmaps/shop-shop');
    assert.equal((changed?.data as Record<string, string> | undefined)?.greeting, 'changed');
  });

  test('a value file out of the ref repository, a source the project refuses, an empty chart: a condition, nothing written', async () => {
    await createApp(env, 'climb', {
      sources: sources('$values/../../../../etc/hostname'),
      destination: { namespace: 'climb' },
      syncPolicy: automated,
    });
    await createApp(env, 'refused', {
      project: 'charts-only',
      sources: sources('$values/shop/prod.yaml'),
      destination: { namespace: 'refused' },
      syncPolicy: automated,
    });
    await createApp(env, 'quiet', {
      source: { repoURL: chartRepo, chart: 'quiet', targetRevision: '0.3.1' },
      destination: { namespace: 'quiet' },
      syncPolicy: automated,
    });
    const climbed = await waitForApp(env, 'climb', (a) => !!conditionOf(a, 'ComparisonError'), 'a condition');
    assert.match(
      conditionOf(climbed, 'ComparisonError') ?? '',
      /"\.\.\/\.\.\/\.\.\/\.\.\/etc\/hostname".*climbs above the repository root/,
    );
    const refused = await waitForApp(
      env,
      'refused',
      (a) => !!conditionOf(a, 'ProjectViolation'),
      'a condition',
    );
    assert.match(
      conditionOf(refused, 'ProjectViolation') ?? '',
      new RegExp(
        `repository ${configRepo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not permitted in project charts-only`,
      ),
    );
    const quiet = await waitForApp(env, 'quiet', (a) => !!conditionOf(a, 'ComparisonError'), 'a condition');
    assert.match(
      conditionOf(quiet, 'ComparisonError') ?? '',
      /^chart quiet 0\.3\.1@sha256:[0-9a-f]{64} rendered no object with these values; .*allowEmpty: true/,
    );
    assert.notEqual(quiet.status?.health?.status, 'Healthy');
    for (const ns of ['climb', 'refused', 'quiet'])
      assert.equal(
        await readObject(env, `/api/v1/namespaces/${ns}`),
        undefined,
        `namespace ${ns} not created`,
      );

    await createApp(env, 'quiet-allowed', {
      source: { repoURL: chartRepo, chart: 'quiet', targetRevision: '0.3.1', allowEmpty: true },
      destination: { namespace: 'quiet-allowed' },
      syncPolicy: automated,
    });
    const allowed = await waitForApp(
      env,
      'quiet-allowed',
      (a) => a.status?.sync?.status === 'Synced',
      'Synced',
    );
    assert.equal(conditionOf(allowed, 'ComparisonError'), undefined);
  });
});

// Sources beyond one Git path, end to end: Helm charts from an HTTPS chart repository (served by
// the test) and from the testbed registry (OCI), with credentials in labelled repository
// Secrets; and bad inputs (a version that does not exist, credentials the repository refuses),
// each a condition on the app with nothing written to the cluster.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Controller } from '../../src/controller/controller.ts';
import type { Application } from '../../src/core/model/application.ts';
import { type ChartRepo, packageChart, pushChart, startChartRepo } from '../../testbed/src/charts.ts';
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

function conditionOf(app: Application, type: string): string | undefined {
  return app.status?.conditions?.find((c) => c.type === type)?.message;
}

describe('sources: charts from chart repositories and registries', () => {
  let env: Env;
  let controller: Controller;
  let registry: TestRegistry;
  let charts: ChartRepo;
  let locked: ChartRepo;
  let work: string;

  async function repositorySecret(name: string, data: Record<string, string>): Promise<void> {
    await env.rest.request('POST', `/api/v1/namespaces/${NAMESPACE}/secrets`, {
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, labels: { 'tiphys.dev/secret-type': 'repository' } },
        stringData: data,
      },
    });
  }

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'tiphys-sources-e2e-'));
    [env, registry, charts, locked] = await Promise.all([
      startEnv('sources'),
      startRegistry(),
      startChartRepo(),
      startChartRepo(),
    ]);
    for (const version of ['1.0.0', '1.1.0']) {
      const archive = await packageChart(env.tools.helm, work, { name: 'shop', version });
      await pushChart(env.tools.helm, registry, archive, 'charts');
      charts.publish(archive);
      locked.publish(archive);
    }
    await repositorySecret('registry', {
      url: `oci://${registry.host}`,
      username: registry.username,
      password: registry.password,
      caCert: registry.caPem,
    });
    await repositorySecret('charts', {
      url: charts.url,
      username: charts.username,
      password: charts.password,
      caCert: charts.caPem,
    });
    // The locked repository's Secret holds a wrong password.
    await repositorySecret('locked', {
      url: locked.url,
      username: locked.username,
      password: 'not-the-password',
      caCert: locked.caPem,
    });
    controller = startInProcessController(env);
    await controller.start();
  });
  after(async () => {
    await controller?.stop();
    await Promise.all([env?.stop(), registry?.stop(), charts?.close(), locked?.close()]);
    rmSync(work, { recursive: true, force: true });
  });

  test('an OCI chart by semver range deploys, its revision VERSION@DIGEST in the status', async () => {
    await createApp(env, 'shop-oci', {
      source: {
        repoURL: `oci://${registry.host}/charts`,
        chart: 'shop',
        targetRevision: '~1.0',
        helm: { parameters: [{ name: 'greeting', value: 'from-oci' }] },
      },
      destination: { namespace: 'shop-oci' },
      syncPolicy: automated,
    });
    const app = await waitForApp(env, 'shop-oci', syncedAndHealthy, 'Synced and Healthy', 120_000);
    assert.match(app.status?.sync?.revision ?? '', /^1\.0\.0@sha256:[0-9a-f]{64}$/);
    const cm = await readObject(env, '/api/v1/namespaces/shop-oci/configmaps/shop-oci-shop');
    assert.deepEqual(cm?.data, { greeting: 'from-oci', version: '1.0.0' });
  });

  test('a chart from an HTTPS chart repository with basic auth and a custom CA deploys', async () => {
    await createApp(env, 'shop-https', {
      source: { repoURL: charts.url, chart: 'shop', targetRevision: '^1.0.0' },
      destination: { namespace: 'shop-https' },
      syncPolicy: automated,
    });
    const app = await waitForApp(env, 'shop-https', syncedAndHealthy, 'Synced and Healthy', 120_000);
    assert.match(app.status?.sync?.revision ?? '', /^1\.1\.0@sha256:/);
    const cm = await readObject(env, '/api/v1/namespaces/shop-https/configmaps/shop-https-shop');
    assert.equal((cm?.data as Record<string, string> | undefined)?.version, '1.1.0');
  });

  test('an unknown chart version, refused credentials, a Jsonnet import outside the repository: a condition, nothing written', async () => {
    await createApp(env, 'shop-missing', {
      source: { repoURL: `oci://${registry.host}/charts`, chart: 'shop', targetRevision: '9.9.9' },
      destination: { namespace: 'shop-missing' },
      syncPolicy: automated,
    });
    await createApp(env, 'shop-locked', {
      source: { repoURL: locked.url, chart: 'shop', targetRevision: '1.0.0' },
      destination: { namespace: 'shop-locked' },
      syncPolicy: automated,
    });
    const missing = await waitForApp(
      env,
      'shop-missing',
      (a) => !!conditionOf(a, 'ComparisonError'),
      'a condition',
    );
    assert.match(
      conditionOf(missing, 'ComparisonError') ?? '',
      /chart shop has no version matching "9\.9\.9"/,
    );
    const refused = await waitForApp(
      env,
      'shop-locked',
      (a) => !!conditionOf(a, 'ComparisonError'),
      'a condition',
    );
    assert.match(conditionOf(refused, 'ComparisonError') ?? '', /refused the credentials \(HTTP 401\)/);
    assert.doesNotMatch(JSON.stringify(refused.status), /not-the-password/);
    // A Jsonnet file of the config repository importing a file outside it.
    await env.git.createRepo('jsonnet');
    await env.git.commitFiles(
      'jsonnet',
      {
        'app/main.jsonnet': "local s = import '../../../../etc/hostname.libsonnet'; [s]",
        'app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: never\n',
      },
      'an import outside the repository',
    );
    await createApp(env, 'escape', {
      source: { repoURL: env.git.repoUrl('jsonnet'), path: 'app' },
      destination: { namespace: 'escape' },
      syncPolicy: automated,
    });
    const escaped = await waitForApp(
      env,
      'escape',
      (a) => !!conditionOf(a, 'ComparisonError'),
      'a condition',
    );
    assert.match(conditionOf(escaped, 'ComparisonError') ?? '', /outside the repository/);
    for (const ns of ['shop-missing', 'shop-locked', 'escape']) {
      assert.equal(
        await readObject(env, `/api/v1/namespaces/${ns}`),
        undefined,
        `namespace ${ns} not created`,
      );
    }
  });
});

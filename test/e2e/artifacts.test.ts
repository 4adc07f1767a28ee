// OCI artifacts as a source, end to end: manifests pushed to the testbed registry with the media
// types of `flux push artifact`, deployed by tag and by digest (the app's revision is the
// manifest digest); a new push to the tag moves the app as soon as the registry's notification
// reaches the API server; and bad inputs (wrong credentials, a digest the registry does not
// have, a tarball with `../` entries, a tag that does not exist, a registry the project does not
// allow), each a condition naming the cause with nothing written to the cluster.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Controller } from '../../src/controller/controller.ts';
import type { Application } from '../../src/core/model/application.ts';
import { filesTarGz, pushArtifact, tarGz } from '../../testbed/src/artifacts.ts';
import { startRegistry, type TestRegistry } from '../../testbed/src/registry.ts';
import {
  createApp,
  createProject,
  type Env,
  NAMESPACE,
  readObject,
  startApiServer,
  startEnv,
  startInProcessController,
  syncedAndHealthy,
  type TestApiServer,
  waitForApp,
} from './support.ts';

const automated = { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] };
const WEBHOOK_SECRET = 'artifact-webhook-secret-for-the-test';

const configMap = (greeting: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: greeting\ndata:\n  greeting: ${greeting}\n`;

function comparisonError(app: Application): string | undefined {
  return app.status?.conditions?.find((c) => c.type === 'ComparisonError' || c.type === 'ProjectViolation')
    ?.message;
}

describe('sources: OCI artifacts', () => {
  let env: Env;
  let controller: Controller;
  let api: TestApiServer;
  let registry: TestRegistry;
  let locked: TestRegistry;
  let first: string;

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
  const source = (reg: TestRegistry, revision: string, repository = 'team/config') => ({
    repoURL: `oci://${reg.host}/${repository}`,
    targetRevision: revision,
    path: 'app',
  });
  const greetingIn = async (ns: string) =>
    ((await readObject(env, `/api/v1/namespaces/${ns}/configmaps/greeting`))?.data as Record<string, string>)
      ?.greeting;

  before(async () => {
    [env, registry, locked] = await Promise.all([startEnv('artifacts'), startRegistry(), startRegistry()]);
    first = await pushArtifact(
      registry,
      'team/config',
      'prod',
      filesTarGz({ 'app/cm.yaml': configMap('one') }),
    );
    await pushArtifact(locked, 'team/config', 'prod', filesTarGz({ 'app/cm.yaml': configMap('locked') }));
    await repositorySecret('registry', {
      url: `oci://${registry.host}`,
      username: registry.username,
      password: registry.password,
      caCert: registry.caPem,
    });
    await repositorySecret('locked', {
      url: `oci://${locked.host}`,
      username: locked.username,
      password: 'not-the-password',
      caCert: locked.caPem,
    });
    controller = startInProcessController(env);
    await controller.start();
    api = await startApiServer(env, { server: { registryWebhookSecret: WEBHOOK_SECRET } });
  });
  after(async () => {
    await api?.server.close();
    await controller?.stop();
    await Promise.all([env?.stop(), registry?.stop(), locked?.stop()]);
  });

  test('by tag and by digest: deployed, the revision is the manifest digest', async () => {
    await createApp(env, 'art-tag', {
      source: source(registry, 'prod'),
      destination: { namespace: 'art-tag' },
      syncPolicy: automated,
    });
    await createApp(env, 'art-digest', {
      source: source(registry, first),
      destination: { namespace: 'art-digest' },
      syncPolicy: automated,
    });
    for (const name of ['art-tag', 'art-digest']) {
      const app = await waitForApp(env, name, syncedAndHealthy, 'Synced and Healthy', 120_000);
      assert.equal(app.status?.sync?.revision, first);
      assert.equal(await greetingIn(name), 'one');
    }
  });

  test("a new push to the tag moves the tag's app once the registry notifies; the digest's app stays", async () => {
    const second = await pushArtifact(
      registry,
      'team/config',
      'prod',
      filesTarGz({ 'app/cm.yaml': configMap('two') }),
    );
    assert.notEqual(second, first);
    const notify = await fetch(`${api.base}/webhook/registry`, {
      method: 'POST',
      headers: {
        'content-type': 'application/vnd.docker.distribution.events.v1+json',
        authorization: `Bearer ${WEBHOOK_SECRET}`,
      },
      body: JSON.stringify({
        events: [
          {
            id: 'push-2',
            action: 'push',
            target: { repository: 'team/config', tag: 'prod' },
            request: { host: registry.host },
          },
        ],
      }),
    });
    assert.equal(notify.status, 200);
    // The poll is 3 minutes: within this wait only the notification can have moved it.
    const moved = await waitForApp(
      env,
      'art-tag',
      (a) => a.status?.sync?.revision === second && syncedAndHealthy(a),
      'the new digest synced',
      60_000,
    );
    assert.equal(moved.status?.sync?.revision, second);
    assert.equal(await greetingIn('art-tag'), 'two');
    assert.equal(
      (await waitForApp(env, 'art-digest', syncedAndHealthy, 'synced')).status?.sync?.revision,
      first,
    );
    assert.equal(await greetingIn('art-digest'), 'one');
  });

  test('wrong credentials, a digest the registry lacks, ../ entries, a missing tag, a registry the project refuses: a condition, nothing written', async () => {
    const climbing = await pushArtifact(
      registry,
      'team/config',
      'escape',
      tarGz([
        { name: 'app/cm.yaml', data: configMap('escape') },
        { name: '../../outside.yaml', data: configMap('outside') },
      ]),
    );
    await createProject(env, 'git-only', {
      sourceRepos: ['https://git.example.com/*'],
      destinations: [{ cluster: 'in-cluster', namespace: '*' }],
    });
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['bad-creds', { source: source(locked, 'prod') }, /refused the credentials \(HTTP 401\)/],
      [
        'bad-digest',
        { source: source(registry, `sha256:${'0'.repeat(64)}`) },
        /team\/config@sha256:0{64} does not exist/,
      ],
      [
        'bad-tar',
        { source: source(registry, climbing) },
        /"\.\.\/\.\.\/outside\.yaml" climbs out of the artifact/,
      ],
      ['bad-tag', { source: source(registry, 'no-such-tag') }, /team\/config:no-such-tag does not exist/],
      [
        'bad-project',
        { project: 'git-only', source: source(registry, 'prod') },
        /repository oci:\/\/.*team\/config is not permitted in project git-only/,
      ],
    ];
    for (const [name, spec, _] of cases)
      await createApp(env, name, { ...spec, destination: { namespace: name }, syncPolicy: automated });
    for (const [name, , pattern] of cases) {
      const app = await waitForApp(env, name, (a) => !!comparisonError(a), 'a condition', 90_000);
      assert.match(comparisonError(app) ?? '', pattern, name);
      assert.doesNotMatch(JSON.stringify(app.status), /not-the-password/);
    }
    for (const [name] of cases)
      assert.equal(
        await readObject(env, `/api/v1/namespaces/${name}`),
        undefined,
        `namespace ${name} not created`,
      );
  });
});

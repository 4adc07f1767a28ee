// Image automation when things go wrong, and `tiphys image set`, on the testbed (kwok nodes, the
// testbed registry with TLS and basic auth, the testbed Git server, the in-process controller and
// the API server with real auth). Each failure asserts that nothing was committed and that the
// reason shows in the object's status or the command's output: a tag outside the policy, wrong
// registry credentials, a registry that is down, a registry (the attacker's) listing tags that
// would inject YAML; and `tiphys image set` from another team's token, with a tag that injects
// YAML, for an image the kustomization does not name. (A concurrent commit on the branch is
// src/adapters/git/commit-edit.test.ts's; a failing verification Job is promotion.test.ts's.)
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loadKubeConfig } from '../../src/adapters/kube/install.ts';
import { runTiphys } from '../../src/cli/app/cli-testkit.ts';
import { Controller } from '../../src/controller/controller.ts';
import { buildServer } from '../../src/server/app.ts';
import { type AuthService, createAuthService, ensureAdminAccount } from '../../src/server/auth/index.ts';
import { pushProbeImage } from '../../testbed/src/node/real-node-kit.ts';
import { freePorts } from '../../testbed/src/ports.ts';
import { startRegistry, type TestRegistry } from '../../testbed/src/registry.ts';
import {
  createImageObject,
  createRegistrySecrets,
  helloDeployment,
  helloKustomization,
  imageStatus,
} from './image-kit.ts';
import {
  createApp,
  type Env,
  eventually,
  initialAdminPassword,
  NAMESPACE,
  startEnv,
  writeFolder,
} from './support.ts';

const WEBHOOK_SECRET = 'registry-webhook-secret-for-the-test';

const folder = (files: Record<string, string>) => writeFolder(files, 'tiphys-images-');

describe('image automation: failures commit nothing; tiphys image set', { timeout: 900_000 }, () => {
  let env: Env;
  let registry: TestRegistry;
  let attacker: Server;
  let attackerHost: string;
  let controller: Controller;
  let auth: AuthService;
  let server: FastifyInstance;
  let base: string;
  let configUrl: string;
  let image: string;
  const tokens: Record<string, string> = {};

  const head = () => env.git.headCommit('config');
  const overlay = () =>
    execFileSync('git', ['show', 'main:overlays/dev/kustomization.yaml'], {
      cwd: join(env.git.root, 'config.git'),
      encoding: 'utf8',
    });
  /** Creates a repository + policy + updater writing to the dev overlay; returns their name. */
  async function automation(
    name: string,
    repo: Record<string, unknown>,
    policy: Record<string, unknown>,
    entry = 'hello',
  ) {
    await createImageObject(env, 'ImageRepository', name, { project: 'team-a', interval: '1h', ...repo });
    await createImageObject(env, 'ImagePolicy', name, { imageRepositoryRef: { name }, policy });
    await createImageObject(env, 'ImageUpdater', name, {
      project: 'team-a',
      git: { repoURL: configUrl, path: 'overlays/dev' },
      updates: [{ policy: name, target: { kustomize: { name: entry } } }],
    });
  }
  /** `tiphys …` as a CI job runs it: its own process, only TIPHYS_SERVER and TIPHYS_AUTH_TOKEN. */
  const tiphys = (who: string, args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const childEnv: NodeJS.ProcessEnv = {
        ...process.env,
        HOME: tmpdir(),
        TIPHYS_CONFIG: '/nonexistent.json',
      };
      delete childEnv.KUBECONFIG;
      execFile(
        process.execPath,
        [join(import.meta.dirname, '../../bin/tiphys.mjs'), ...args],
        { env: { ...childEnv, TIPHYS_SERVER: base, TIPHYS_AUTH_TOKEN: tokens[who] }, timeout: 120_000 },
        (error, stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
      );
    });

  before(async () => {
    env = await startEnv('images');
    registry = await startRegistry();
    image = `${registry.host}/team/hello`;
    for (const tag of ['1.0.0', '1.0.1', '2.0.0']) await pushProbeImage(registry, 'team/hello', tag);
    // The attacker's registry (plain http): its tag list carries YAML.
    attacker = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/v2/') return res.end('{}');
      if (req.url?.startsWith('/v2/evil/hello/tags/list'))
        return res.end(
          JSON.stringify({
            name: 'evil/hello',
            tags: [
              '1.0.0',
              '1.0.0\ninjected: true',
              '1.0.0 # injected',
              'zz"\n  injected: true',
              '{injected: 1}',
            ],
          }),
        );
      res.statusCode = 404;
      res.end('{"errors":[{"code":"NAME_UNKNOWN"}]}');
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerHost = `127.0.0.1:${(attacker.address() as AddressInfo).port}`;

    configUrl = (
      await env.git.createRepo(
        'config',
        folder({
          'overlays/dev/kustomization.yaml': helloKustomization('dev', '../../base', image, '1.0.0'),
          'base/kustomization.yaml': 'resources: []\n',
        }),
      )
    ).url;
    const otherUrl = (
      await env.git.createRepo('team-b-config', folder({ 'x/kustomization.yaml': 'resources: []\n' }))
    ).url;
    const projects = `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/appprojects`;
    for (const [name, repo, role] of [
      ['team-a', configUrl, ['get', 'sync', 'update']],
      ['team-b', otherUrl, ['get', 'sync', 'update']],
    ] as const)
      await env.rest.request('POST', projects, {
        body: {
          apiVersion: 'tiphys.dev/v1alpha1',
          kind: 'AppProject',
          metadata: { name },
          spec: {
            sourceRepos: [repo],
            destinations: [{ cluster: '*', namespace: '*' }],
            roles: [
              {
                name: 'deployer',
                policies: role.map((a) => `p, proj:${name}:deployer, applications, ${a}, ${name}/*, allow`),
              },
              { name: 'reader', policies: [`p, proj:${name}:reader, applications, get, ${name}/*, allow`] },
            ],
          },
        },
      });
    await createApp(env, 'hello-dev', {
      project: 'team-a',
      source: { repoURL: configUrl, path: 'overlays/dev' },
      destination: { namespace: 'hello-dev' },
    });
    await createApp(env, 'b-app', {
      project: 'team-b',
      source: { repoURL: otherUrl, path: 'x' },
      destination: { namespace: 'team-b' },
    });
    await createRegistrySecrets(env, 'team-a-registry', registry, 'team-a');
    await createRegistrySecrets(
      env,
      'wrong-password',
      {
        host: registry.host,
        username: registry.username,
        password: 'not-the-password',
        caPem: registry.caPem,
      },
      'team-a',
    );

    const kubeConfig = loadKubeConfig(env.cluster.kubeconfigPath);
    await ensureAdminAccount(kubeConfig, NAMESPACE);
    controller = new Controller({
      kubeConfig,
      namespace: NAMESPACE,
      tools: env.tools,
      cacheDir: mkdtempSync(join(tmpdir(), 'tiphys-ctrl-')),
      leaderElection: false,
      imageTickMs: 500,
      insecureRegistries: [attackerHost],
      log: process.env.TIPHYS_TEST_LOG ? (m) => console.error(`[controller] ${m}`) : undefined,
    });
    await controller.start();
    auth = await createAuthService({ kubeConfig, namespace: NAMESPACE, log: () => {} });
    server = await buildServer({
      kubeConfig,
      namespace: NAMESPACE,
      auth,
      registryWebhookSecret: WEBHOOK_SECRET,
      tools: env.tools,
      uiDir: '/nonexistent',
    });
    base = (await server.listen({ port: 0, host: '127.0.0.1' })).replace(/\/$/, '');
    const login = await fetch(`${base}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: await initialAdminPassword(env) }),
    });
    tokens.admin = ((await login.json()) as { token: string }).token;
    for (const [who, project, role] of [
      ['deployer', 'team-a', 'deployer'],
      ['reader', 'team-a', 'reader'],
      ['teamB', 'team-b', 'deployer'],
    ]) {
      const created = await fetch(`${base}/api/v1/account/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ project, role }),
      });
      assert.equal(created.status, 201);
      tokens[who] = ((await created.json()) as { token: string }).token;
    }
  });

  after(async () => {
    await server?.close();
    auth?.close();
    await controller?.stop();
    await new Promise((resolve) => attacker?.close(resolve));
    await registry?.stop();
    await env?.stop();
  });

  test('a tag outside the policy is not chosen; a policy no tag meets says why', async () => {
    const before = await head();
    await automation(
      'in-range',
      { image, credentials: { secretName: 'team-a-registry' }, ca: { secretName: 'team-a-registry' } },
      { semver: { range: '~1.0.0' } },
    );
    const updater = await eventually('the updater applied 1.0.1', async () => {
      const status = await imageStatus(env, 'imageupdaters', 'in-range');
      return status.lastCommit ? status : undefined;
    });
    // 2.0.0 is in the registry, 1.0.1 is the newest the range allows.
    assert.match(overlay(), /newTag: 1\.0\.1 # set by Tiphys/);
    assert.equal((await imageStatus(env, 'imagepolicies', 'in-range')).latestImage, `${image}:1.0.1`);
    assert.notEqual(updater.lastCommit, before);

    const committed = await head();
    await automation(
      'no-match',
      { image, credentials: { secretName: 'team-a-registry' }, ca: { secretName: 'team-a-registry' } },
      { semver: { range: '^3.0.0' } },
    );
    const failed = await eventually('the policy says no tag meets it', async () => {
      const status = await imageStatus(env, 'imagepolicies', 'no-match');
      return status.conditions?.[0]?.type === 'PolicyFailed' ? status : undefined;
    });
    assert.match(failed.conditions[0].message, /no-match: .*\^3\.0\.0.*nothing is written/);
    assert.equal(failed.latestImage, undefined);
    assert.equal(await head(), committed);
    assert.equal((await imageStatus(env, 'imageupdaters', 'no-match')).lastCommit, undefined);
  });

  test('wrong credentials and a registry that is down: the scan says why, nothing is committed', async () => {
    const committed = await head();
    const [closedPort] = await freePorts(1);
    await automation(
      'wrong-creds',
      { image, credentials: { secretName: 'wrong-password' }, ca: { secretName: 'team-a-registry' } },
      { semver: { range: '>=0.0.0' } },
    );
    await automation(
      'down',
      { image: `127.0.0.1:${closedPort}/team/hello`, ca: { secretName: 'team-a-registry' } },
      { semver: { range: '>=0.0.0' } },
    );
    for (const [name, reason] of [
      ['wrong-creds', /scan of .*team\/hello failed: .*(401|unauthori[sz]ed|credentials)/i],
      ['down', /scan of 127\.0\.0\.1:\d+\/team\/hello failed: .*(unreachable|ECONNREFUSED|connect)/i],
    ] as const) {
      const status = await eventually(
        `${name}: ScanFailed`,
        async () => {
          const s = await imageStatus(env, 'imagerepositories', name);
          return s.conditions?.[0]?.type === 'ScanFailed' ? s : undefined;
        },
        120_000,
      );
      assert.match(status.conditions[0].message, reason);
      assert.doesNotMatch(status.conditions[0].message, new RegExp(registry.password));
      assert.doesNotMatch(status.conditions[0].message, /not-the-password/);
      // The policy's status is written after the repository's, in the same pass or the next.
      const policy = await eventually(`${name}: PolicyFailed`, async () => {
        const s = await imageStatus(env, 'imagepolicies', name);
        return s.conditions?.[0]?.type === 'PolicyFailed' ? s : undefined;
      });
      assert.match(policy.conditions[0].message, /scan of .* failed/);
      assert.equal((await imageStatus(env, 'imageupdaters', name)).lastCommit, undefined);
    }
    assert.equal(await head(), committed);
  });

  test("attacker: a registry's tags that would inject YAML are never chosen nor written", async () => {
    const committed = await head();
    // Alphabetical descending would pick 'zz"…' or '{injected: 1}' if tags were not validated.
    await automation(
      'evil',
      { image: `${attackerHost}/evil/hello` },
      { alphabetical: { order: 'desc' } },
      'evil',
    );
    const policy = await eventually(
      'the evil policy chose',
      async () => {
        const s = await imageStatus(env, 'imagepolicies', 'evil');
        return s.latestImage ? s : undefined;
      },
      120_000,
    );
    assert.equal(policy.latestImage, `${attackerHost}/evil/hello:1.0.0`);
    const updater = await eventually('the evil updater committed', async () => {
      const s = await imageStatus(env, 'imageupdaters', 'evil');
      return s.lastCommit ? s : undefined;
    });
    // The only valid tag was written as a new entry: one scalar each, nothing injected.
    assert.notEqual(updater.lastCommit, committed);
    const text = overlay();
    assert.match(
      text,
      new RegExp(`- name: evil\\n\\s+newName: ${attackerHost}/evil/hello\\n\\s+newTag: 1\\.0\\.0\\n`),
    );
    assert.doesNotMatch(text, /injected/);
    assert.match(text, new RegExp(`newName: ${image}\\n    newTag: 1\\.0\\.1 # set by Tiphys`));
    // The remaining updaters are done: suspend them so the CLI's commits below stand alone.
    for (const name of ['in-range', 'evil', 'no-match', 'wrong-creds', 'down'])
      await env.rest.request(
        'PATCH',
        `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/imageupdaters/${name}`,
        {
          body: { spec: { suspend: true } },
          contentType: 'application/merge-patch+json',
        },
      );
  });

  test('tiphys image set: commits through the API for the app project, 0/1/2 exit codes, attackers refused', async () => {
    const set = await tiphys('deployer', ['image', 'set', 'hello-dev', `hello=1.0.2`]);
    assert.equal(set.code, 0, set.stderr);
    const committed = await head();
    assert.match(
      set.stdout,
      new RegExp(
        `^committed ${committed} to ${configUrl} main: overlays/dev/kustomization.yaml hello=1\\.0\\.2\\n$`,
      ),
    );
    assert.match(overlay(), new RegExp(`newName: ${image}\\n    newTag: 1\\.0\\.2 # set by Tiphys`));
    const again = await tiphys('deployer', ['image', 'set', 'hello-dev', `${image}=1.0.2`]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^unchanged: /);
    assert.equal(await head(), committed);

    // Another team's token: the app does not exist for it (exit 1), nothing committed.
    const teamB = await tiphys('teamB', ['image', 'set', 'hello-dev', 'hello=6.6.6']);
    assert.equal(teamB.code, 1);
    assert.match(teamB.stderr, /not found/);
    // A reader may see the app but not change what it runs.
    const reader = await tiphys('reader', ['image', 'set', 'hello-dev', 'hello=6.6.6']);
    assert.equal(reader.code, 1);
    assert.match(reader.stderr, /may not update/);
    // A tag that injects YAML is not a command line the CLI accepts (exit 2), nor a body the API takes.
    const injected = await tiphys('deployer', ['image', 'set', 'hello-dev', 'hello=1.0.2\nmalicious: true']);
    assert.equal(injected.code, 2);
    assert.match(injected.stderr, /tag/);
    const raw = await fetch(`${base}/api/v1/applications/hello-dev/image`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.deployer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ set: 'hello=1.0.2"\n    injected: true' }),
    });
    assert.equal(raw.status, 400);
    // An image the kustomization does not name is a mistake, not an entry to add.
    const typo = await tiphys('deployer', ['image', 'set', 'hello-dev', 'helo=1.0.3']);
    assert.equal(typo.code, 1);
    assert.match(typo.stderr, /overlays\/dev\/kustomization\.yaml has no images: entry named helo/);
    assert.equal((await tiphys('deployer', ['image', 'sett', 'hello-dev', 'hello=1'])).code, 2);
    assert.equal(await head(), committed);
    assert.doesNotMatch(overlay(), /6\.6\.6|malicious|injected/);

    // With a kubeconfig (the cluster's admin): the same write-back, the project still checked.
    const direct = await runTiphys(env.cluster.kubeconfigPath, ['image', 'set', 'hello-dev', 'hello=1.0.3']);
    assert.equal(direct.code, 0, direct.stderr);
    assert.match(overlay(), /newTag: 1\.0\.3/);
    assert.match(
      execFileSync('git', ['log', '-1', '--format=%B', 'main'], {
        cwd: join(env.git.root, 'config.git'),
        encoding: 'utf8',
      }),
      /tiphys image set: hello-dev hello to 1\.0\.3\n\nRequested by kubeconfig:/,
    );
  });
  test('registry webhook on the API server: a scan is requested by annotation; wrong secret, replay and a look-alike host are refused', async () => {
    const repoPath = `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/imagerepositories/in-range`;
    const annotation = async () =>
      (await env.rest.request<{ metadata: { annotations?: Record<string, string> } }>('GET', repoPath))
        .metadata.annotations?.['tiphys.dev/scan-requested'];
    const event = (host: string, id: string) =>
      JSON.stringify({
        events: [
          {
            id,
            action: 'push',
            target: { repository: 'team/hello', tag: '1.0.1' },
            request: { host },
          },
        ],
      });
    const post = (body: string, authorization?: string) =>
      fetch(`${base}/webhook/registry`, {
        method: 'POST',
        headers: {
          'content-type': 'application/vnd.docker.distribution.events.v1+json',
          ...(authorization ? { authorization } : {}),
        },
        body,
      });
    const lastScan = (await imageStatus(env, 'imagerepositories', 'in-range')).lastScanTime;

    // The attacker: no secret, a wrong one, a look-alike registry host.
    const none = await post(event(registry.host, 'a1'));
    assert.equal(none.status, 401);
    const wrong = await post(event(registry.host, 'a2'), 'Bearer not-the-secret');
    assert.equal(wrong.status, 401);
    assert.doesNotMatch(await wrong.text(), new RegExp(WEBHOOK_SECRET));
    const lookAlike = await post(event(`evil-${registry.host}`, 'a3'), `Bearer ${WEBHOOK_SECRET}`);
    assert.equal(lookAlike.status, 200);
    assert.deepEqual(await lookAlike.json(), { scanned: 0 });
    assert.equal(await annotation(), undefined);

    // The registry: one repository named, the annotation set, the controller scans it.
    const body = event(registry.host, 'real-1');
    const good = await post(body, `Bearer ${WEBHOOK_SECRET}`);
    assert.equal(good.status, 200);
    // in-range, no-match and wrong-creds watch that image.
    assert.deepEqual(await good.json(), { scanned: 3 });
    const asked = await annotation();
    assert.ok(asked);
    await eventually('the controller scanned on the request', async () => {
      const status = await imageStatus(env, 'imagerepositories', 'in-range');
      return status.lastScanTime && status.lastScanTime !== lastScan ? status : undefined;
    });
    // The same notification again is a replay: refused, the request not renewed.
    const replay = await post(body, `Bearer ${WEBHOOK_SECRET}`);
    assert.equal(replay.status, 409, await replay.text());
    assert.equal(await annotation(), asked);
  });

  test('a Helm-values app: the updater writes values.yaml, image set moves it again, the Deployment follows', async () => {
    const values = `# hello chart values (dev)
replicaCount: 1
image:
  repository: ${image} # the tag is Tiphys's
  tag: "1.0.0"
`;
    await env.git.commitFiles(
      'config',
      {
        'charts/hello/Chart.yaml': 'apiVersion: v2\nname: hello\nversion: 0.1.0\n',
        'charts/hello/values.yaml': values,
        'charts/hello/templates/deployment.yaml': helloDeployment
          .replace('replicas: 1', 'replicas: {{ .Values.replicaCount }}')
          .replace('image: hello', 'image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"'),
      },
      'hello chart',
    );
    await createApp(env, 'hello-chart', {
      project: 'team-a',
      source: { repoURL: configUrl, path: 'charts/hello' },
      destination: { namespace: 'hello-chart' },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
    });
    const deployed = (tag: string) =>
      eventually(
        `the chart's Deployment runs ${tag}`,
        async () => {
          const deployment = await env.rest
            .request<{ spec: { template: { spec: { containers: { image: string }[] } } } }>(
              'GET',
              '/apis/apps/v1/namespaces/hello-chart/deployments/hello',
            )
            .catch(() => undefined);
          return deployment?.spec.template.spec.containers[0].image === `${image}:${tag}`
            ? deployment
            : undefined;
        },
        180_000,
      );
    await deployed('1.0.0');
    const valuesAt = () =>
      execFileSync('git', ['show', 'main:charts/hello/values.yaml'], {
        cwd: join(env.git.root, 'config.git'),
        encoding: 'utf8',
      });

    // The image updater (semver ~1.0.0 over 1.0.0, 1.0.1, 2.0.0) writes image.tag.
    await createImageObject(env, 'ImageRepository', 'chart', {
      project: 'team-a',
      interval: '1h',
      image,
      credentials: { secretName: 'team-a-registry' },
      ca: { secretName: 'team-a-registry' },
    });
    await createImageObject(env, 'ImagePolicy', 'chart', {
      imageRepositoryRef: { name: 'chart' },
      policy: { semver: { range: '~1.0.0' } },
    });
    await createImageObject(env, 'ImageUpdater', 'chart', {
      project: 'team-a',
      git: { repoURL: configUrl, path: 'charts/hello' },
      updates: [{ policy: 'chart', target: { helm: { tagPath: 'image.tag' } } }],
    });
    await eventually('the chart updater committed', async () => {
      const status = await imageStatus(env, 'imageupdaters', 'chart');
      return status.lastCommit ? status : undefined;
    });
    assert.equal(valuesAt(), values.replace('tag: "1.0.0"', 'tag: "1.0.1"'));
    await deployed('1.0.1');
    await env.rest.request('PATCH', `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/imageupdaters/chart`, {
      body: { spec: { suspend: true } },
      contentType: 'application/merge-patch+json',
    });

    // A pipeline pushed 1.0.3: tiphys image set finds the image map naming it in values.yaml.
    await pushProbeImage(registry, 'team/hello', '1.0.3');
    const setAt = Date.now() - 1000;
    const set = await tiphys('deployer', ['image', 'set', 'hello-chart', `${image}=1.0.3`]);
    assert.equal(set.code, 0, set.stderr);
    // The app is asked to look at Git now, not at its next poll (which would come after minutes).
    const asked = await env.rest.request<{ metadata: { annotations?: Record<string, string> } }>(
      'GET',
      `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/applications/hello-chart`,
    );
    assert.ok(Date.parse(asked.metadata.annotations?.['tiphys.dev/refresh'] ?? '') >= setAt);
    assert.match(set.stdout, /^committed [0-9a-f]{40} to .* main: charts\/hello\/values\.yaml /);
    assert.equal(valuesAt(), values.replace('tag: "1.0.0"', 'tag: "1.0.3"'));
    await deployed('1.0.3');
    // An image the values do not name is refused, nothing committed.
    const committed = await head();
    const typo = await tiphys('deployer', ['image', 'set', 'hello-chart', `${image}-typo=1.0.4`]);
    assert.equal(typo.code, 1);
    assert.match(typo.stderr, /charts\/hello\/values\.yaml: no image .* names .*hello-typo/);
    assert.equal(await head(), committed);
  });
});

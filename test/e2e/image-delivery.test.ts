// From a pushed image to production, end to end, on a cluster whose node really runs containers.
// The hello source repository (examples/source/hello) and a config repository live on the
// testbed Git server; the testbed registry (TLS, basic auth) sends its push notifications to the
// controller's POST /webhook/registry. A developer bumps VERSION; the CI pipeline script tests,
// builds hello without a daemon and pushes it; Tiphys scans on the notification, commits the tag
// to the dev overlay, syncs dev and the dev Pod answers the new version; after the soak and an
// approval through the API, prod's overlay gets the same image by a commit and prod's Pod answers
// it. Then the same with a branch per environment (prod's branch fast-forwarded).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loadKubeConfig } from '../../src/adapters/kube/install.ts';
import { Controller } from '../../src/controller/controller.ts';
import { controllerHttp } from '../../src/controller/http.ts';
import type { Pipeline, StageStatus } from '../../src/core/model/pipeline.ts';
import { buildServer } from '../../src/server/app.ts';
import { type AuthService, createAuthService, ensureAdminAccount } from '../../src/server/auth/index.ts';
import { httpGet } from '../../testbed/src/node/real-node-kit.ts';
import { startRegistry, type TestRegistry } from '../../testbed/src/registry.ts';
import {
  createImageObject,
  createRegistrySecrets,
  HelloCi,
  helloDeployment,
  helloFolder,
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
  syncedAndHealthy,
  waitForApp,
  writeFolder,
} from './support.ts';

const PIPELINES = `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/pipelines`;
const figure = (line: string) => console.error(`[figures] ${line}`);

const folder = (files: Record<string, string>) => writeFolder(files, 'tiphys-delivery-');

describe('image delivery: pushed image → dev → prod, on a real node', { timeout: 1_800_000 }, () => {
  let env: Env;
  let registry: TestRegistry;
  let controller: Controller;
  let hooks: FastifyInstance;
  let auth: AuthService;
  let server: FastifyInstance;
  let ci: HelloCi;
  let api: string;
  let adminToken: string;
  let sourceUrl: string;
  let configUrl: string;
  let branchesUrl: string;
  let image: string;

  const git = (repo: string, args: string[]) =>
    execFileSync('git', args, { cwd: join(env.git.root, `${repo}.git`), encoding: 'utf8' }).trim();
  const fileAt = (repo: string, ref: string, path: string) => git(repo, ['show', `${ref}:${path}`]);
  const stageOf = async (pipeline: string, stage: string) =>
    (await env.rest.request<Pipeline>('GET', `${PIPELINES}/${pipeline}`)).status?.stages?.find(
      (s) => s.name === stage,
    ) as StageStatus | undefined;
  const waitForStage = (pipeline: string, stage: string, what: string, check: (s: StageStatus) => boolean) =>
    eventually(
      `${pipeline}/${stage}: ${what}`,
      async () => {
        const s = await stageOf(pipeline, stage);
        return s && check(s) ? s : undefined;
      },
      300_000,
      async () =>
        JSON.stringify((await env.rest.request<Pipeline>('GET', `${PIPELINES}/${pipeline}`)).status),
    );
  /** The answer of a Ready hello Pod of `namespace` running `tag` (through the node's network). */
  const podAnswers = (namespace: string, tag: string) =>
    eventually(
      `a Ready hello Pod in ${namespace} answering ${tag}`,
      async () => {
        const pods = await env.rest.request<{ items: Json[] }>(
          'GET',
          `/api/v1/namespaces/${namespace}/pods?labelSelector=app%3Dhello`,
        );
        for (const pod of pods.items) {
          const ready = pod.status?.containerStatuses?.[0]?.ready === true && !pod.metadata.deletionTimestamp;
          if (!ready || pod.spec.containers[0].image !== `${image}:${tag}`) continue;
          const res = await httpGet(`http://${pod.status.podIP}:8080/`);
          if (res.status === 200 && res.body === `hello ${tag}\n`) return res.body;
        }
        return undefined;
      },
      300_000,
    );
  async function approve(pipeline: string, stage: string): Promise<void> {
    const response = await fetch(`${api}/api/v1/pipelines/${pipeline}/stages/${stage}/approve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(response.status, 202, await response.text());
  }

  before(async () => {
    env = await startEnv('delivery', { realNode: true });
    const kubeConfig = loadKubeConfig(env.cluster.kubeconfigPath);
    await ensureAdminAccount(kubeConfig, NAMESPACE);
    controller = new Controller({
      kubeConfig,
      namespace: NAMESPACE,
      tools: env.tools,
      cacheDir: mkdtempSync(join(tmpdir(), 'tiphys-ctrl-')),
      leaderElection: false,
      pollIntervalMs: 5_000,
      pipelineIntervalMs: 1_000,
      log: process.env.TIPHYS_TEST_LOG ? (m) => console.error(`[controller] ${m}`) : undefined,
    });
    await controller.start();
    const secret = randomBytes(24).toString('hex');
    hooks = controllerHttp(controller, { registryWebhookSecret: secret });
    const hooksUrl = (await hooks.listen({ port: 0, host: '127.0.0.1' })).replace(/\/$/, '');
    registry = await startRegistry({ notifications: { url: `${hooksUrl}/webhook/registry`, secret } });
    await env.cluster.trustRegistry(registry);
    image = `${registry.host}/team/hello`;
    ci = new HelloCi(registry);

    auth = await createAuthService({ kubeConfig, namespace: NAMESPACE, log: () => {} });
    server = await buildServer({
      kubeConfig,
      namespace: NAMESPACE,
      auth,
      controller,
      tools: env.tools,
      uiDir: '/nonexistent',
    });
    api = (await server.listen({ port: 0, host: '127.0.0.1' })).replace(/\/$/, '');
    const login = await fetch(`${api}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: await initialAdminPassword(env) }),
    });
    adminToken = ((await login.json()) as { token: string }).token;

    // The source repository at 1.0.0, built and pushed by its pipeline once.
    const source = helloFolder('1.0.0');
    sourceUrl = (await env.git.createRepo('hello', source)).url;
    rmSync(source, { recursive: true, force: true });
    assert.match(await ci.pipeline(sourceUrl, 'team/hello'), /team\/hello:1\.0\.0@sha256:[0-9a-f]{64}$/);

    const config = folder({
      'base/kustomization.yaml': 'resources: [deployment.yaml]\n',
      'base/deployment.yaml': helloDeployment,
      'overlays/dev/kustomization.yaml': helloKustomization('dev', '../../base', image, '1.0.0'),
      'overlays/prod/kustomization.yaml': helloKustomization(
        'prod: keep this comment',
        '../../base',
        image,
        '1.0.0',
      ),
    });
    configUrl = (await env.git.createRepo('config', config)).url;
    rmSync(config, { recursive: true, force: true });
    const branches = folder({
      'app/kustomization.yaml': helloKustomization(
        'one app, a branch per environment',
        '.',
        image,
        '1.0.0',
      ).replace('  - .\n', '  - deployment.yaml\n'),
      'app/deployment.yaml': helloDeployment,
    });
    branchesUrl = (await env.git.createRepo('config-branches', branches)).url;
    rmSync(branches, { recursive: true, force: true });
    await env.git.createBranch('config-branches', 'env/dev', 'main');
    await env.git.createBranch('config-branches', 'env/prod', 'main');

    await env.rest.request('POST', `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/appprojects`, {
      body: {
        apiVersion: 'tiphys.dev/v1alpha1',
        kind: 'AppProject',
        metadata: { name: 'team-a' },
        spec: {
          sourceRepos: [configUrl, branchesUrl],
          destinations: [{ cluster: '*', namespace: 'hello-*' }],
        },
      },
    });
    const automated = { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] };
    const app = (repoURL: string, path: string, namespace: string, targetRevision?: string) => ({
      project: 'team-a',
      source: { repoURL, path, ...(targetRevision ? { targetRevision } : {}) },
      destination: { namespace },
      syncPolicy: automated,
    });
    await createApp(env, 'hello-dev', app(configUrl, 'overlays/dev', 'hello-dev'));
    await createApp(env, 'hello-prod', app(configUrl, 'overlays/prod', 'hello-prod'));
    await createApp(env, 'hello-b-dev', app(branchesUrl, 'app', 'hello-b-dev', 'env/dev'));
    await createApp(env, 'hello-b-prod', app(branchesUrl, 'app', 'hello-b-prod', 'env/prod'));

    // The team's image automation: scans only on notifications (the interval is an hour).
    await createRegistrySecrets(env, 'hello-registry', registry, 'team-a');
    await createImageObject(env, 'ImageRepository', 'hello', {
      image,
      project: 'team-a',
      credentials: { secretName: 'hello-registry' },
      ca: { secretName: 'hello-registry' },
      interval: '1h',
    });
    await createImageObject(env, 'ImagePolicy', 'hello', {
      imageRepositoryRef: { name: 'hello' },
      policy: { semver: { range: '>=1.0.0' } },
    });
    await createImageObject(env, 'ImageUpdater', 'hello-dev', {
      project: 'team-a',
      git: { repoURL: configUrl, branch: 'main', path: 'overlays/dev' },
      commit: { authorName: 'Tiphys images', authorEmail: 'images@tiphys.test' },
      updates: [{ policy: 'hello', target: { kustomize: { name: 'hello' } } }],
    });
    for (const name of ['hello-dev', 'hello-prod', 'hello-b-dev', 'hello-b-prod'])
      await waitForApp(env, name, syncedAndHealthy, 'Synced and Healthy at 1.0.0', 600_000);
  });

  after(async () => {
    ci?.close();
    await server?.close();
    auth?.close();
    await hooks?.close();
    await controller?.stop();
    await registry?.stop();
    await env?.stop();
  });

  test('overlays: the pushed 1.0.1 is committed to dev by the notification, answers in dev, then prod after soak and approval', async () => {
    // 1.0.0 is already what dev runs: the updater applied it without a commit.
    const before = await env.git.headCommit('config');
    await eventually('the updater applied 1.0.0', async () => {
      const status = await imageStatus(env, 'imageupdaters', 'hello-dev');
      return (status.appliedImages ?? []).includes(`hello=${image}:1.0.0`) ? status : undefined;
    });
    assert.equal(await env.git.headCommit('config'), before);

    await env.rest.request('POST', PIPELINES, {
      body: {
        apiVersion: 'tiphys.dev/v1alpha1',
        kind: 'Pipeline',
        metadata: { name: 'hello' },
        spec: {
          project: 'team-a',
          repoURL: configUrl,
          layout: 'overlays',
          stages: [
            { name: 'dev', applications: ['hello-dev'], path: 'overlays/dev' },
            {
              name: 'prod',
              applications: ['hello-prod'],
              path: 'overlays/prod',
              soakSeconds: 5,
              approval: true,
            },
          ],
        },
      },
    });
    await waitForStage('hello', 'prod', 'runs 1.0.0', (s) => s.health === 'Healthy' && !!s.current);

    // A developer releases 1.0.1; CI tests, builds and pushes it.
    await env.git.commitFiles('hello', { VERSION: '1.0.1\n' }, 'release 1.0.1');
    const pushed = await ci.pipeline(sourceUrl, 'team/hello');
    const pushedAt = Date.now();
    assert.match(pushed, /:1\.0\.1@sha256:/);

    const updater = await eventually(
      'the updater committed 1.0.1',
      async () => {
        const status = await imageStatus(env, 'imageupdaters', 'hello-dev');
        return status.lastCommit && (status.appliedImages ?? []).includes(`hello=${image}:1.0.1`)
          ? status
          : undefined;
      },
      120_000,
    );
    const committed = (Date.now() - pushedAt) / 1000;
    assert.equal(git('config', ['rev-parse', 'main']), updater.lastCommit);
    assert.equal(
      git('config', ['log', '-1', '--format=%an <%ae>', 'main']),
      'Tiphys images <images@tiphys.test>',
    );
    const devOverlay = fileAt('config', 'main', 'overlays/dev/kustomization.yaml');
    assert.match(devOverlay, /newTag: 1\.0\.1 # set by Tiphys/);
    assert.match(devOverlay, /^# dev$/m);
    // Only dev moved; the status of the policy names the image.
    assert.match(fileAt('config', 'main', 'overlays/prod/kustomization.yaml'), /newTag: 1\.0\.0/);
    assert.equal((await imageStatus(env, 'imagepolicies', 'hello')).latestImage, `${image}:1.0.1`);

    assert.equal(await podAnswers('hello-dev', '1.0.1'), 'hello 1.0.1\n');
    figure(
      `pushed 1.0.1 → committed to dev ${committed.toFixed(1)} s, dev Pod answering ${((Date.now() - pushedAt) / 1000).toFixed(1)} s`,
    );

    // Prod waits for the soak, then for a person.
    const waiting = await waitForStage(
      'hello',
      'prod',
      'waiting for approval after the soak',
      (s) =>
        (s.gates ?? []).some((g) => g.name === 'soak' && g.passed) &&
        (s.gates ?? []).some((g) => g.name === 'approval' && !g.passed),
    );
    assert.match(fileAt('config', 'main', 'overlays/prod/kustomization.yaml'), /newTag: 1\.0\.0/);
    await approve('hello', 'prod');
    const promoted = await waitForStage(
      'hello',
      'prod',
      'runs the approved freight',
      (s) => s.current?.id === waiting.candidate && s.health === 'Healthy',
    );
    assert.equal(promoted.history?.find((h) => h.kind === 'promote')?.result, 'Committed');
    const prodOverlay = fileAt('config', 'main', 'overlays/prod/kustomization.yaml');
    assert.match(prodOverlay, /# prod: keep this comment/);
    assert.match(prodOverlay, /newTag: 1\.0\.1/);
    assert.equal(await podAnswers('hello-prod', '1.0.1'), 'hello 1.0.1\n');
  });

  test('a branch per environment: 1.0.2 committed to env/dev, answers there; env/prod fast-forwarded after approval', async () => {
    await createImageObject(env, 'ImageUpdater', 'hello-branch', {
      project: 'team-a',
      git: { repoURL: branchesUrl, branch: 'env/dev', path: 'app' },
      updates: [{ policy: 'hello', target: { kustomize: { name: 'hello' } } }],
    });
    // It writes what the policy chose (1.0.1) to env/dev at once.
    await eventually('env/dev at 1.0.1', async () =>
      /newTag: 1\.0\.1/.test(fileAt('config-branches', 'env/dev', 'app/kustomization.yaml')),
    );
    await env.rest.request('POST', PIPELINES, {
      body: {
        apiVersion: 'tiphys.dev/v1alpha1',
        kind: 'Pipeline',
        metadata: { name: 'hello-branches' },
        spec: {
          project: 'team-a',
          repoURL: branchesUrl,
          layout: 'branches',
          stages: [
            { name: 'dev', applications: ['hello-b-dev'], branch: 'env/dev' },
            {
              name: 'prod',
              applications: ['hello-b-prod'],
              branch: 'env/prod',
              soakSeconds: 3,
              approval: true,
            },
          ],
        },
      },
    });
    await podAnswers('hello-b-dev', '1.0.1');

    await env.git.commitFiles('hello', { VERSION: '1.0.2\n' }, 'release 1.0.2');
    assert.match(await ci.pipeline(sourceUrl, 'team/hello'), /:1\.0\.2@sha256:/);
    await eventually(
      'env/dev at 1.0.2',
      async () => /newTag: 1\.0\.2/.test(fileAt('config-branches', 'env/dev', 'app/kustomization.yaml')),
      120_000,
    );
    assert.equal(await podAnswers('hello-b-dev', '1.0.2'), 'hello 1.0.2\n');
    const devCommit = git('config-branches', ['rev-parse', 'env/dev']);
    assert.match(fileAt('config-branches', 'env/prod', 'app/kustomization.yaml'), /newTag: 1\.0\.0/);

    const dev = await waitForStage(
      'hello-branches',
      'dev',
      'runs 1.0.2',
      (s) => s.current?.commit === devCommit,
    );
    const waiting = await waitForStage(
      'hello-branches',
      'prod',
      'waiting for approval of 1.0.2',
      (s) =>
        s.candidate === dev.current?.id &&
        (s.gates ?? []).some((g) => g.name === 'approval' && !g.passed) &&
        (s.gates ?? []).some((g) => g.name === 'soak' && g.passed),
    );
    assert.equal(git('config-branches', ['rev-parse', 'env/prod']) === devCommit, false);
    await approve('hello-branches', 'prod');
    await waitForStage(
      'hello-branches',
      'prod',
      'runs the approved freight',
      (s) => s.current?.id === waiting.candidate && s.health === 'Healthy',
    );
    // A fast-forward: prod's branch is dev's verified commit, no commit of its own.
    assert.equal(git('config-branches', ['rev-parse', 'env/prod']), devCommit);
    assert.equal(await podAnswers('hello-b-prod', '1.0.2'), 'hello 1.0.2\n');
  });
});

// biome-ignore lint/suspicious/noExplicitAny: Pods read as loose JSON
type Json = any;

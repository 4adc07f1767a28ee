// Promotion end to end: a real cluster (kwok nodes), the real Git server, the in-process
// controller and the API server with real auth. Overlays layout dev → prod with a soak and an
// approval through the API; rollback through Git; a branch per environment with a fast-forward;
// a verification Job that fails (the cluster's own Job controller runs it, kwok plays the kubelet:
// a Pod annotated testbed.tiphys.dev/fail ends Failed, any other Job Pod Succeeded); and the
// attacker's side: approving without the right, a pipeline reaching another project's app, a
// stage writing to a repository its project does not permit. Each refusal asserts that nothing
// was committed or promoted and that the reason shows.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loadKubeConfig } from '../../src/adapters/kube/install.ts';
import { runTiphys } from '../../src/cli/app/cli-testkit.ts';
import { Controller } from '../../src/controller/controller.ts';
import type { Pipeline, StageStatus } from '../../src/core/model/pipeline.ts';
import { recentAuditEvents } from '../../src/server/auth/audit.ts';
import type { AuthService } from '../../src/server/auth/index.ts';
import {
  createApp,
  createProject,
  createToken,
  type Env,
  eventually,
  loginAsAdmin,
  NAMESPACE,
  readObject,
  startApiServer,
  startEnv,
  syncedAndHealthy,
  waitForApp,
  writeFolder,
} from './support.ts';

const crd = (kind: string) => ({ apiVersion: 'tiphys.dev/v1alpha1', kind });
const PIPELINES = `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/pipelines`;

const deployment = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 1
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers:
        - name: web
          image: hello
`;
const overlay = (tag: string, comment: string) => `# ${comment}
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
images:
  - name: hello
    newName: registry.local/hello
    newTag: ${tag}
`;

const folder = (files: Record<string, string>) => writeFolder(files, 'tiphys-promotion-');

describe('promotion between environments', () => {
  let env: Env;
  let controller: Controller;
  let auth: AuthService;
  let server: FastifyInstance;
  let base: string;
  let configUrl: string;
  let branchesUrl: string;
  let otherUrl: string;
  const tokens: Record<string, string> = {};

  async function call(who: string, method: string, path: string, body?: unknown) {
    const headers: Record<string, string> = {};
    if (tokens[who]) headers.authorization = `Bearer ${tokens[who]}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, text, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  }

  const getPipeline = (name: string) => env.rest.request<Pipeline>('GET', `${PIPELINES}/${name}`);
  const stageOf = async (name: string, stage: string) =>
    (await getPipeline(name)).status?.stages?.find((s) => s.name === stage) as StageStatus | undefined;
  const waitForStage = (
    name: string,
    stage: string,
    what: string,
    check: (s: StageStatus) => boolean,
    timeoutMs = 120_000,
  ) =>
    eventually(
      `${name}/${stage}: ${what}`,
      async () => {
        const s = await stageOf(name, stage);
        return s && check(s) ? s : undefined;
      },
      timeoutMs,
      async () => JSON.stringify((await getPipeline(name)).status, null, 1).slice(0, 4000),
    );
  const fileAt = async (repo: string, path: string, branch = 'main') =>
    execFileSync('git', ['show', `${branch}:${path}`], {
      cwd: join(env.git.root, `${repo}.git`),
      encoding: 'utf8',
    });

  before(async () => {
    env = await startEnv('promotion');
    const config = folder({
      'base/kustomization.yaml': 'resources: [deployment.yaml]\n',
      'base/deployment.yaml': deployment('hello'),
      'overlays/dev/kustomization.yaml': overlay('1.0.0', 'dev: one replica'),
      'overlays/prod/kustomization.yaml': overlay('1.0.0', 'prod: keep this comment'),
    });
    configUrl = (await env.git.createRepo('config', config)).url;
    rmSync(config, { recursive: true, force: true });
    const branches = folder({
      'settings.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings }\ndata: { version: "1" }\n',
    });
    branchesUrl = (await env.git.createRepo('config-branches', branches)).url;
    rmSync(branches, { recursive: true, force: true });
    await env.git.createBranch('config-branches', 'env/dev', 'main');
    await env.git.createBranch('config-branches', 'env/prod', 'main');
    otherUrl = (await env.git.createRepo('team-b-config', folder({ 'x.yaml': '' }))).url;

    const deployer = ['get', 'sync', 'update'].map(
      (a) => `p, proj:team-a:deployer, applications, ${a}, team-a/*, allow`,
    );
    await createProject(env, 'team-a', {
      sourceRepos: [configUrl, branchesUrl],
      destinations: [{ cluster: '*', namespace: 'hello-*' }],
      roles: [
        { name: 'deployer', policies: deployer },
        { name: 'reader', policies: ['p, proj:team-a:reader, applications, get, team-a/*, allow'] },
        {
          // May see the apps and approve prod of pipeline hello, nothing else (no sync).
          name: 'approver',
          policies: [
            'p, proj:team-a:approver, applications, get, team-a/*, allow',
            'p, proj:team-a:approver, pipelines, approve, team-a/hello/prod, allow',
          ],
        },
      ],
    });
    await createProject(env, 'team-b', {
      sourceRepos: [otherUrl],
      destinations: [{ cluster: '*', namespace: 'team-b' }],
      roles: [{ name: 'deployer', policies: ['p, proj:team-b:deployer, applications, *, team-b/*, allow'] }],
    });
    const automated = { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] };
    const app = (path: string, namespace: string, extra: Record<string, unknown> = {}) => ({
      project: 'team-a',
      source: { repoURL: configUrl, path, ...extra },
      destination: { namespace },
      syncPolicy: automated,
    });
    await createApp(env, 'hello-dev', app('overlays/dev', 'hello-dev'));
    await createApp(env, 'hello-prod', app('overlays/prod', 'hello-prod'));
    const branchApp = (branch: string, namespace: string) => ({
      project: 'team-a',
      source: { repoURL: branchesUrl, targetRevision: branch },
      destination: { namespace },
      syncPolicy: automated,
    });
    await createApp(env, 'cfg-dev', branchApp('env/dev', 'hello-cfg-dev'));
    await createApp(env, 'cfg-prod', branchApp('env/prod', 'hello-cfg-prod'));
    await createApp(env, 'b-app', {
      project: 'team-b',
      source: { repoURL: otherUrl },
      destination: { namespace: 'team-b' },
    });

    controller = new Controller({
      kubeConfig: loadKubeConfig(env.cluster.kubeconfigPath),
      namespace: NAMESPACE,
      tools: env.tools,
      cacheDir: mkdtempSync(join(tmpdir(), 'tiphys-ctrl-')),
      leaderElection: false,
      pollIntervalMs: 5_000,
      pipelineIntervalMs: 1_000,
      log: process.env.TIPHYS_TEST_LOG ? (m) => console.error(`[controller] ${m}`) : undefined,
    });
    await controller.start();
    ({ server, auth, base } = await startApiServer(env, { server: { controller } }));
    tokens.admin = await loginAsAdmin(env, base);
    for (const [who, project, role] of [
      ['deployer', 'team-a', 'deployer'],
      ['reader', 'team-a', 'reader'],
      ['approver', 'team-a', 'approver'],
      ['teamB', 'team-b', 'deployer'],
    ])
      tokens[who] = await createToken(base, tokens.admin, { project, role });
    await eventually('apps in the informer', async () => controller.apps.list().length === 5);
  });

  after(async () => {
    await server?.close();
    auth?.close();
    await controller?.stop();
    await env?.stop();
  });

  test('overlays: dev → prod after the soak and an approval through the API; rollback by a commit', async () => {
    const created = await call('deployer', 'POST', '/api/v1/pipelines', {
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
            soakSeconds: 3,
            approval: true,
          },
        ],
      },
    });
    assert.equal(created.status, 201, created.text);
    const first = await waitForStage(
      'hello',
      'prod',
      'runs 1.0.0',
      (s) => s.health === 'Healthy' && !!s.current,
    );
    assert.deepEqual(first.current?.images, { hello: 'registry.local/hello:1.0.0' });

    // CI releases 1.0.1 into dev.
    await env.git.commitFiles(
      'config',
      { 'overlays/dev/kustomization.yaml': overlay('1.0.1', 'dev: one replica') },
      'CI: hello 1.0.1',
    );
    const waiting = await waitForStage(
      'hello',
      'prod',
      'waiting for approval after the soak',
      (s) =>
        (s.gates ?? []).some((g) => g.name === 'soak' && g.passed) &&
        (s.gates ?? []).some((g) => g.name === 'approval' && !g.passed),
    );
    const freight = waiting.candidate as string;
    const devStage = await stageOf('hello', 'dev');
    assert.equal(devStage?.current?.id, freight);
    assert.deepEqual(devStage?.current?.images, { hello: 'registry.local/hello:1.0.1' });
    assert.match(
      waiting.gates?.find((g) => g.name === 'soak')?.message ?? '',
      /^healthy in dev for \d+ s \(soak 3 s\)$/,
    );
    // Not approved: prod's overlay is untouched.
    assert.match(await fileAt('config', 'overlays/prod/kustomization.yaml'), /newTag: 1\.0\.0/);

    // Approving is a right of its own (approve on pipelines team-a/hello/prod): a reader is
    // refused, and so is the deployer, who may sync prod's apps but not sign off; both audited.
    const refused = await call('reader', 'POST', '/api/v1/pipelines/hello/stages/prod/approve', {});
    assert.equal(refused.status, 403, refused.text);
    assert.match(refused.text, /may not approve pipelines team-a\/hello\/prod/);
    const syncer = await call('deployer', 'POST', '/api/v1/pipelines/hello/stages/prod/approve', {});
    assert.equal(syncer.status, 403, syncer.text);
    assert.match(syncer.text, /may not approve pipelines team-a\/hello\/prod/);
    assert.ok(
      recentAuditEvents().some(
        (a) =>
          a.result === 'denied' &&
          a.action === 'approve' &&
          a.resource === 'pipelines' &&
          a.object === 'team-a/pipeline:hello/prod' &&
          /deployer/.test(a.subject ?? ''),
      ),
      JSON.stringify(recentAuditEvents().slice(-5)),
    );
    assert.equal(
      (await call('anonymous', 'POST', '/api/v1/pipelines/hello/stages/prod/approve', {})).status,
      401,
    );
    const otherTeam = await call('teamB', 'POST', '/api/v1/pipelines/hello/stages/prod/approve', {});
    assert.equal(otherTeam.status, 404, otherTeam.text);
    assert.equal((await getPipeline('hello')).approvals, undefined);
    assert.match(await fileAt('config', 'overlays/prod/kustomization.yaml'), /newTag: 1\.0\.0/);

    const approved = await call('approver', 'POST', '/api/v1/pipelines/hello/stages/prod/approve', {});
    assert.equal(approved.status, 202, approved.text);
    const [approval] = (await getPipeline('hello')).approvals ?? [];
    assert.equal(approval.freight, freight);
    assert.match(approval.by, /team-a.*approver/);
    assert.ok(
      recentAuditEvents().some(
        (a) => a.result === 'success' && a.action === 'approve' && a.object === 'team-a/pipeline:hello/prod',
      ),
    );

    // CI waits on the stage: progress lines on stderr, exit 0 once prod runs the approved freight.
    const kubeconfig = env.cluster.kubeconfigPath;
    const waited = await runTiphys(kubeconfig, [
      'pipeline',
      'wait',
      'hello',
      '--stage',
      'prod',
      '--freight',
      freight,
    ]);
    assert.equal(waited.code, 0, waited.stderr);
    assert.equal(waited.stdout, `stage prod of pipeline "hello" runs ${freight}, Healthy\n`);
    const appWait = await runTiphys(kubeconfig, ['app', 'wait', 'hello-prod', '--timeout', '120']);
    assert.equal(appWait.code, 0, appWait.stderr);
    const promoted = await waitForStage(
      'hello',
      'prod',
      `runs ${freight}`,
      (s) => s.current?.id === freight && s.health === 'Healthy',
    );
    const prodOverlay = await fileAt('config', 'overlays/prod/kustomization.yaml');
    assert.match(prodOverlay, /# prod: keep this comment/);
    assert.match(prodOverlay, /newTag: 1\.0\.1/);
    const entry = promoted.history?.find((h) => h.kind === 'promote');
    assert.equal(entry?.result, 'Committed');
    assert.equal(entry?.freight, freight);
    const live = await readObject(env, '/apis/apps/v1/namespaces/hello-prod/deployments/hello');
    assert.equal(
      (live as unknown as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template
        .spec.containers[0].image,
      'registry.local/hello:1.0.1',
    );

    // Roll prod back to what it verified before: a commit, recorded, and held (not re-promoted).
    const rollback = await call('deployer', 'POST', '/api/v1/pipelines/hello/stages/prod/rollback', {
      freight: first.current?.id,
    });
    assert.equal(rollback.status, 202, rollback.text);
    const back = await waitForStage(
      'hello',
      'prod',
      'back at 1.0.0',
      (s) => s.current?.id === first.current?.id && s.health === 'Healthy',
    );
    assert.equal(back.held, freight);
    assert.equal(back.history?.find((h) => h.kind === 'rollback')?.result, 'Committed');
    assert.match(await fileAt('config', 'overlays/prod/kustomization.yaml'), /newTag: 1\.0\.0/);
    const status = (await getPipeline('hello')).status;
    assert.equal(status?.lastRequest?.result, 'Succeeded');
  });

  test("attacker: a pipeline cannot reach another project's app nor write outside sourceRepos", async () => {
    const spec = (repoURL: string, apps: string[]) => ({
      project: 'team-a',
      repoURL,
      layout: 'overlays',
      stages: [
        { name: 'dev', applications: ['hello-dev'], path: 'overlays/dev' },
        { name: 'prod', applications: apps, path: 'overlays/prod' },
      ],
    });
    // Through the API: refused before anything is written.
    const crossProject = await call('admin', 'POST', '/api/v1/pipelines', {
      metadata: { name: 'steal' },
      spec: spec(configUrl, ['b-app']),
    });
    assert.equal(crossProject.status, 400, crossProject.text);
    assert.match(crossProject.text, /application b-app not found in project team-a/);
    const outside = await call('admin', 'POST', '/api/v1/pipelines', {
      metadata: { name: 'outside' },
      spec: spec(otherUrl, ['hello-prod']),
    });
    assert.equal(outside.status, 400, outside.text);
    assert.match(outside.text, /repository .*team-b-config.* is not permitted in project team-a/);
    assert.equal((await call('admin', 'GET', '/api/v1/pipelines/steal')).status, 404);

    // Straight into the cluster (a kubeconfig holder): the controller refuses to act, and says why.
    const otherHead = await env.git.headCommit('team-b-config');
    for (const [name, pipelineSpec] of [
      ['steal', spec(configUrl, ['b-app'])],
      ['outside', spec(otherUrl, ['hello-prod'])],
    ] as const) {
      await env.rest.request('POST', PIPELINES, {
        body: {
          ...crd('Pipeline'),
          metadata: { name },
          spec: pipelineSpec,
          request: { kind: 'promote', stage: 'prod', by: 'mallory', at: new Date().toISOString() },
        },
      });
      const refused = await eventually(`${name} refused`, async () => {
        const p = await getPipeline(name);
        return p.status?.conditions?.[0]?.type === 'ProjectViolation' && !p.request ? p : undefined;
      });
      assert.equal(refused.status?.lastRequest?.result, 'Refused');
      assert.equal(refused.status?.stages, undefined);
      if (name === 'steal')
        assert.match(
          refused.status?.conditions?.[0].message ?? '',
          /application b-app not found in project team-a/,
        );
      else
        assert.match(
          refused.status?.conditions?.[0].message ?? '',
          /team-b-config\.git is not permitted in project team-a/,
        );
    }
    assert.equal(await env.git.headCommit('team-b-config'), otherHead);
  });

  test('branches: prod fast-forwards to the commit dev verified; a failing verification Job stops it', async () => {
    // 'fail': every attempt's Pod fails; 'flaky': only the first attempt's (testbed kwok stages).
    const verification = (mode: 'pass' | 'fail' | 'flaky') => ({
      ...(mode === 'pass' ? {} : { retries: 1, retryBackoffSeconds: 1 }),
      job: {
        template: {
          metadata: mode === 'pass' ? {} : { annotations: { [`testbed.tiphys.dev/${mode}`]: 'true' } },
          spec: { restartPolicy: 'Never', containers: [{ name: 'check', image: 'smoke-test' }] },
        },
      },
    });
    await env.rest.request('POST', PIPELINES, {
      body: {
        ...crd('Pipeline'),
        metadata: { name: 'cfg' },
        spec: {
          project: 'team-a',
          repoURL: branchesUrl,
          layout: 'branches',
          stages: [
            { name: 'dev', applications: ['cfg-dev'], branch: 'env/dev', verification: verification('pass') },
            { name: 'prod', applications: ['cfg-prod'], branch: 'env/prod' },
          ],
        },
      },
    });
    const v2 = await env.git.commitFiles(
      'config-branches',
      {
        'settings.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings }\ndata: { version: "2" }\n',
      },
      'v2',
      { branch: 'env/dev' },
    );
    const prod = await waitForStage(
      'cfg',
      'prod',
      'runs v2',
      (s) => s.current?.commit === v2 && s.health === 'Healthy',
    );
    assert.equal(
      await env.git.headCommit('config-branches', 'env/prod'),
      v2,
      'a fast-forward: the very commit dev verified',
    );
    assert.equal(
      prod.history?.find((h) => h.kind === 'promote')?.message,
      `fast-forward of env/prod to ${v2.slice(0, 7)}`,
    );
    const dev = await stageOf('cfg', 'dev');
    assert.equal(dev?.verification?.phase, 'Succeeded');
    await waitForApp(env, 'cfg-prod', syncedAndHealthy, 'synced and healthy');

    // Now the smoke test fails, on its retry too: v3 stays in dev, prod is not moved, and the reason shows.
    await env.rest.request('PATCH', `${PIPELINES}/cfg`, {
      body: [{ op: 'replace', path: '/spec/stages/0/verification', value: verification('fail') }],
      contentType: 'application/json-patch+json',
    });
    const v3 = await env.git.commitFiles(
      'config-branches',
      {
        'settings.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings }\ndata: { version: "3" }\n',
      },
      'v3',
      { branch: 'env/dev' },
    );
    const failed = await waitForStage(
      'cfg',
      'dev',
      'verification failed',
      (s) => s.current?.commit === v3 && s.verification?.phase === 'Failed',
    );
    assert.match(
      failed.conditions?.find((c) => c.type === 'VerificationFailed')?.message ?? '',
      /verification Job hello-cfg-dev\/verify-cfg-dev-\w+-r1 failed: .*\(attempt 2 of 2, no retry left\)/,
    );
    assert.equal(failed.verification?.attempt, 2);
    // Two Jobs ran, each failed by the cluster's Job controller: the first attempt and its retry.
    const jobs = await env.rest.request<{
      items: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[];
    }>(
      'GET',
      `/apis/batch/v1/namespaces/hello-cfg-dev/jobs?labelSelector=tiphys.dev/freight=${failed.current?.id}`,
    );
    assert.deepEqual(
      jobs.items
        .map((job) => [
          job.metadata.name.replace(failed.current?.id ?? '', 'F'),
          job.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True'),
        ])
        .sort(),
      [
        ['verify-cfg-dev-F', true],
        ['verify-cfg-dev-F-r1', true],
      ],
    );
    const blocked = await waitForStage('cfg', 'prod', 'blocked', (s) =>
      (s.conditions ?? []).some((c) => c.type === 'PromotionBlocked'),
    );
    assert.match(
      blocked.conditions?.find((c) => c.type === 'PromotionBlocked')?.message ?? '',
      /^verification: verification Job .* failed/,
    );
    const promote = await call('deployer', 'POST', '/api/v1/pipelines/cfg/stages/prod/promote', {});
    assert.equal(promote.status, 202, promote.text);
    const answered = await eventually('promote request answered', async () => {
      const p = await getPipeline('cfg');
      return !p.request && p.status?.lastRequest ? p : undefined;
    });
    assert.equal(answered.status?.lastRequest?.result, 'Refused');
    assert.match(
      answered.status?.lastRequest?.message ?? '',
      /promotion to prod refused: stage dev has not verified/,
    );
    // The CLI says the same with exit 3, which a pipeline tells apart from a timeout (4).
    const kubeconfig = env.cluster.kubeconfigPath;
    const cli = await runTiphys(kubeconfig, ['promote', 'cfg', '--stage', 'prod', '--timeout', '120']);
    assert.equal(cli.code, 3, cli.stderr);
    assert.match(
      cli.stderr,
      /error: Refused: promotion to prod refused: stage dev has not verified \w+: verification Job/,
    );
    const stageWait = await runTiphys(kubeconfig, [
      'pipeline',
      'wait',
      'cfg',
      '--stage',
      'prod',
      '--timeout',
      '60',
    ]);
    assert.equal(stageWait.code, 3, stageWait.stderr);
    assert.match(stageWait.stderr, /PromotionBlocked: verification: verification Job .* failed/);
    assert.equal(await env.git.headCommit('config-branches', 'env/prod'), v2, 'nothing promoted');

    // A flaky smoke test (its first attempt fails, a retry passes) does not stop the release: the
    // retry is a new Job, and once it succeeds prod fast-forwards to v4.
    await env.rest.request('PATCH', `${PIPELINES}/cfg`, {
      body: [{ op: 'replace', path: '/spec/stages/0/verification', value: verification('flaky') }],
      contentType: 'application/json-patch+json',
    });
    const v4 = await env.git.commitFiles(
      'config-branches',
      {
        'settings.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: settings }\ndata: { version: "4" }\n',
      },
      'v4',
      { branch: 'env/dev' },
    );
    await waitForStage('cfg', 'prod', 'runs v4', (s) => s.current?.commit === v4 && s.health === 'Healthy');
    const flaky = await stageOf('cfg', 'dev');
    assert.equal(flaky?.verification?.phase, 'Succeeded');
    assert.equal(flaky?.verification?.attempt, 2);
    assert.match(flaky?.verification?.job ?? '', /^hello-cfg-dev\/verify-cfg-dev-\w+-r1$/);
    const flakyJobs = await env.rest.request<{
      items: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[];
    }>(
      'GET',
      `/apis/batch/v1/namespaces/hello-cfg-dev/jobs?labelSelector=tiphys.dev/freight=${flaky?.current?.id}`,
    );
    assert.deepEqual(
      flakyJobs.items
        .map((job) => [
          job.metadata.name.endsWith('-r1') ? 'retry' : 'first',
          job.status?.conditions?.find((c) => c.status === 'True' && ['Failed', 'Complete'].includes(c.type))
            ?.type,
        ])
        .sort(),
      [
        ['first', 'Failed'],
        ['retry', 'Complete'],
      ],
    );
    assert.equal(await env.git.headCommit('config-branches', 'env/prod'), v4);
  });
});

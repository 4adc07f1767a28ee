// A recovery action of type Job (docs/recovery.md), on a real API server with the real Job
// controller: the Job the administrator's template describes is created in the control
// namespace, its success or failure decides the attempt, and its output (the container's
// termination message) is on the recovery status, masked. kwok runs no containers: where the
// Job succeeds, this test plays its container (it writes the credentials Secret, as a
// provisioner image would) and its kubelet (it reports the Pod Succeeded with a termination
// message); the Pod waits for that on a nodeSelector no node matches, so nothing depends on
// timing. Where it fails, kwok's testbed stage fails the Pod with a message.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadKubeConfig } from '../../src/adapters/kube/install.ts';
import { KubeRest } from '../../src/adapters/kube/rest.ts';
import type { Controller } from '../../src/controller/controller.ts';
import type { KubeObject } from '../../src/core/manifest/object.ts';
import type { Cluster } from '../../src/core/model/cluster.ts';
import { parseRecoveryActions } from '../../src/core/model/recovery-actions.ts';
import { registerCluster } from '../../src/domain/clusters.ts';
import { startCluster, type TestCluster } from '../../testbed/src/cluster.ts';
import {
  createApp,
  createExamplesRepo,
  type Env,
  eventually,
  NAMESPACE,
  startEnv,
  startInProcessController,
  syncedAndHealthy,
  waitForApp,
} from './support.ts';

const DEAD = 'https://127.0.0.1:9';
const GATE = { 'tiphys.dev/test-gate': 'the-test-plays-this-container' };
const ADMIN_IMAGE = 'registry.example/provisioner:1';
const TOKEN_IN_OUTPUT = 'abcdefghijklmnopqrstuvwxyz0123456789';
const clusterPath = (name: string) => `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/clusters/${name}`;
const secretPath = (name: string) => `/api/v1/namespaces/${NAMESPACE}/secrets/${name}`;
const podsPath = `/api/v1/namespaces/${NAMESPACE}/pods`;
const jobsPath = `/apis/batch/v1/namespaces/${NAMESPACE}/jobs`;

type Pod = KubeObject & {
  spec: { containers: { name: string; image: string }[] };
  status?: { phase?: string };
};

function jobAction(credentialsSecret: string, pod: Record<string, unknown>) {
  return {
    job: {
      template: {
        spec: {
          backoffLimit: 0,
          template: {
            ...pod,
            spec: {
              restartPolicy: 'Never',
              ...(pod.spec as object),
              containers: [{ name: 'provision', image: ADMIN_IMAGE }],
            },
          },
        },
      },
      credentialsSecret,
    },
    timeoutSeconds: 600,
    maxAttempts: 1,
  };
}

describe('a recovery action of type Job', () => {
  let env: Env;
  let replacement: TestCluster;
  let controller: Controller;
  let repo: string;
  const cluster = (name: string) => env.rest.request<Cluster>('GET', clusterPath(name));
  const patchCluster = (name: string, body: unknown) =>
    env.rest.request('PATCH', clusterPath(name), { body, contentType: 'application/merge-patch+json' });
  const waitForCluster = (name: string, what: string, check: (c: Cluster) => boolean) =>
    eventually(
      `${name}: ${what}`,
      async () => ((c) => (check(c) ? c : undefined))(await cluster(name)),
      240_000,
      async () => JSON.stringify((await cluster(name)).status?.recovery ?? {}, null, 1),
    );
  const register = (name: string) =>
    registerCluster(
      { rest: env.rest, namespace: NAMESPACE },
      { name, server: DEAD, credentials: { bearerToken: `token-of-${name}` } },
      { replace: false },
    );
  const jobsOf = async (name: string) =>
    (
      await env.rest.request<{ items: (KubeObject & { spec: { template: { spec: Pod['spec'] } } })[] }>(
        'GET',
        jobsPath,
        { query: { labelSelector: `tiphys.dev/recovery-of=${name}` } },
      )
    ).items;

  before(async () => {
    [env, replacement] = await Promise.all([startEnv('control'), startCluster({ name: 'job-replacement' })]);
    repo = await createExamplesRepo(env);
    const actions = parseRecoveryActions(
      JSON.stringify({
        actions: {
          'job-provision': jobAction('region-job-credentials', { spec: { nodeSelector: GATE } }),
          'job-fails': jobAction('never-written', {
            metadata: { annotations: { 'testbed.tiphys.dev/fail': 'true' } },
          }),
        },
      }),
      'test actions',
    );
    controller = startInProcessController(env, { recoveryActions: actions, clusterProbeIntervalMs: 1_000 });
    await controller.start();
  });

  after(async () => {
    await controller?.stop();
    await replacement?.stop();
    await env?.stop();
  });

  test('a Job that fails: the attempt fails with the Job’s output, the Job is removed, nothing is registered', async () => {
    await register('job-fails');
    await patchCluster('job-fails', {
      spec: { health: { lostAfterSeconds: 2 }, recovery: { mode: 'auto', action: 'job-fails' } },
    });
    const failed = await waitForCluster(
      'job-fails',
      'recovery Failed',
      (c) => c.status?.recovery?.phase === 'Failed',
    );
    assert.match(
      failed.status?.recovery?.message ?? '',
      /action job-fails: Job tiphys-recovery-job-fails-\w+ failed: .*output: failed on purpose \(testbed\.tiphys\.dev\/fail\)/,
    );
    assert.match(failed.status?.recovery?.actionOutput ?? '', /failed on purpose/);
    assert.equal(failed.spec.server, DEAD, 'nothing registered');
    assert.equal(failed.spec.credentialsSecret?.name, 'cluster-job-fails', 'the old credentials stay');
    await eventually(
      'the failed Job to be deleted',
      async () => ((await jobsOf('job-fails')).length === 0 ? true : undefined),
      120_000,
    );
  });

  test('a Job that succeeds: its Secret gives the replacement, its output is on the status, the apps sync there; a Cluster writer cannot swap the Job, a planted Secret is not taken', async () => {
    await register('region-job');
    await createApp(env, 'j-guestbook', {
      source: { repoURL: repo, path: 'guestbook' },
      destination: { cluster: 'region-job', namespace: 'j-guestbook' },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] },
    });
    // Credentials planted under the name the Job writes: they must not be taken for its output.
    await env.rest.request('POST', `/api/v1/namespaces/${NAMESPACE}/secrets`, {
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'region-job-credentials' },
        stringData: { credentials: JSON.stringify({ server: DEAD, bearerToken: 'planted-token' }) },
      },
    });
    // Someone who may write the Cluster adds a Job of their own: not a field, so the API server drops it.
    await patchCluster('region-job', {
      spec: {
        health: { lostAfterSeconds: 2 },
        recovery: {
          mode: 'auto',
          action: 'job-provision',
          job: {
            template: {
              spec: { template: { spec: { containers: [{ name: 'x', image: 'evil/steal:1' }] } } },
            },
          },
        },
      },
    });
    const job = await eventually(
      'the recovery Job and its Pod waiting at the gate',
      async () => {
        const [found] = await jobsOf('region-job');
        if (!found) return undefined;
        const pods = await env.rest.request<{ items: Pod[] }>('GET', podsPath, {
          query: { labelSelector: `job-name=${found.metadata.name}` },
        });
        return pods.items[0] ? { job: found, pod: pods.items[0] } : undefined;
      },
      240_000,
    );
    assert.deepEqual(
      job.job.spec.template.spec.containers.map((c) => c.image),
      [ADMIN_IMAGE],
      "the administrator's Job runs, not the Cluster writer's",
    );
    await eventually(
      'the planted Secret to be removed before the Job runs',
      async () =>
        (await env.rest.request('GET', secretPath('region-job-credentials')).then(
          () => false,
          (error: { status?: number }) => error.status === 404,
        ))
          ? true
          : undefined,
      60_000,
    );
    // The container's work: the new cluster's credentials in the Secret, then a termination message.
    await env.rest.request('POST', `/api/v1/namespaces/${NAMESPACE}/secrets`, {
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'region-job-credentials' },
        stringData: {
          credentials: JSON.stringify({
            server: replacement.server,
            bearerToken: replacement.token,
            caData: replacement.ca,
          }),
        },
      },
    });
    const now = new Date().toISOString();
    await env.rest.request('PATCH', `${podsPath}/${job.pod.metadata.name}/status`, {
      contentType: 'application/merge-patch+json',
      body: {
        status: {
          phase: 'Succeeded',
          containerStatuses: [
            {
              name: 'provision',
              image: ADMIN_IMAGE,
              imageID: '',
              ready: false,
              restartCount: 0,
              started: false,
              state: {
                terminated: {
                  exitCode: 0,
                  reason: 'Completed',
                  message: `created cluster region-job-2 in eu-west-1 (api token ${TOKEN_IN_OUTPUT})`,
                  startedAt: now,
                  finishedAt: now,
                },
              },
            },
          ],
        },
      },
    });
    const recovered = await waitForCluster(
      'region-job',
      'recovery Succeeded',
      (c) => c.status?.recovery?.phase === 'Succeeded',
    );
    assert.equal(recovered.spec.server, replacement.server, 'the Cluster points at what the Job provisioned');
    const output = recovered.status?.recovery?.actionOutput ?? '';
    assert.match(output, /created cluster region-job-2 in eu-west-1/);
    assert.ok(!output.includes(TOKEN_IN_OUTPUT), 'a token-shaped word in the output is masked');
    const timeline = recovered.status?.recovery?.timeline ?? {};
    for (const step of ['lostAt', 'actionStartedAt', 'clusterAnsweredAt', 'allHealthyAt'] as const)
      assert.ok(timeline[step], `timeline.${step}`);
    await waitForApp(env, 'j-guestbook', syncedAndHealthy, 'Synced and Healthy on the replacement', 180_000);
    const onReplacement = new KubeRest(loadKubeConfig(replacement.kubeconfigPath));
    try {
      await onReplacement.request('GET', '/apis/apps/v1/namespaces/j-guestbook/deployments/guestbook-ui');
    } finally {
      onReplacement.close();
    }
    await env.rest.request('GET', secretPath('region-job-credentials')).then(
      () => assert.fail('the Job’s credentials Secret is deleted once read'),
      (error: { status?: number }) => assert.equal(error.status, 404),
    );
    const events = await env.rest.request<{
      items: { reason: string; message: string; involvedObject: { name: string } }[];
    }>('GET', `/api/v1/namespaces/${NAMESPACE}/events`);
    const answered = events.items.find(
      (e) => e.involvedObject.name === 'region-job' && e.reason === 'RecoveryClusterAnswers',
    );
    assert.match(answered?.message ?? '', /the action reported: created cluster region-job-2/);
  });
});

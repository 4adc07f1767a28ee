// A recovery action run as a Kubernetes Job in the control namespace (Terraform, Cluster API, a
// cloud CLI in an image): the administrator's template, the cluster's name in its environment.
// The Job writes the credentials JSON under `credentials` in the named Secret; Tiphys deletes
// that Secret before the Job starts (so only what this Job wrote counts: not a Secret left over
// or planted), reads and deletes it after, and deletes the Job when it is stopped. What the Job's
// container reports in its termination message (/dev/termination-log) is its output, shown
// masked in the recovery status and in the reason of a failure.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResolvedRecoveryAction } from '../../core/model/recovery-actions.ts';
import { apiStatus, secretPath } from '../control-plane/paths.ts';
import { type ActionContext, type ActionInput, maskSecrets, RecoveryActionError } from './action-types.ts';

interface JobStatus {
  status?: { conditions?: { type: string; status: string; message?: string }[] };
}

type Container = { env?: { name: string; value: string }[] };

interface PodList {
  items: {
    status?: { containerStatuses?: { state?: { terminated?: { message?: string } } }[] };
  }[];
}

/** The termination messages of the Job's Pods, masked and cut short; '' when there are none. */
async function jobOutput(context: ActionContext, job: string): Promise<string> {
  const pods = await context.rest
    .request<PodList>('GET', `/api/v1/namespaces/${encodeURIComponent(context.namespace)}/pods`, {
      query: { labelSelector: `job-name=${job}` },
    })
    .catch(() => ({ items: [] }) as PodList);
  const messages = pods.items.flatMap((pod) =>
    (pod.status?.containerStatuses ?? []).map((c) => c.state?.terminated?.message?.trim() ?? ''),
  );
  return maskSecrets(messages.filter((m) => m !== '').join('; ')).slice(-500);
}

export async function runJobAction(
  action: ResolvedRecoveryAction,
  job: NonNullable<ResolvedRecoveryAction['job']>,
  input: ActionInput,
  context: ActionContext & { signal: AbortSignal },
): Promise<string> {
  const { rest, namespace, signal } = context;
  const name = `tiphys-recovery-${input.cluster.slice(0, 34)}-${randomBytes(3).toString('hex')}`;
  const template = structuredClone(job.template) as {
    metadata?: Record<string, unknown>;
    spec?: { template?: { spec?: { containers?: Container[] } } };
  };
  for (const container of template.spec?.template?.spec?.containers ?? []) {
    container.env = [
      ...(container.env ?? []),
      { name: 'TIPHYS_CLUSTER', value: input.cluster },
      { name: 'TIPHYS_CLUSTER_SERVER', value: input.server },
      { name: 'TIPHYS_CREDENTIALS_SECRET', value: job.credentialsSecret },
    ];
  }
  const jobs = `/apis/batch/v1/namespaces/${encodeURIComponent(namespace)}/jobs`;
  await rest.request('DELETE', secretPath(namespace, job.credentialsSecret)).catch((error: unknown) => {
    if (apiStatus(error) !== 404) throw error;
  });
  await rest.request('POST', jobs, {
    body: {
      ...template,
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        ...template.metadata,
        name,
        namespace,
        labels: { 'tiphys.dev/recovery-of': input.cluster },
      },
    },
  });
  try {
    for (;;) {
      if (signal.aborted)
        throw new RecoveryActionError(`action ${action.name}: Job ${name} was stopped (timeout or cancel)`);
      const current = await rest.request<JobStatus>('GET', `${jobs}/${name}`);
      const done = current.status?.conditions?.find(
        (c) => c.status === 'True' && (c.type === 'Complete' || c.type === 'Failed'),
      );
      if (done?.type === 'Failed') {
        const output = await jobOutput(context, name);
        if (output) context.onOutput?.(output);
        throw new RecoveryActionError(
          `action ${action.name}: Job ${name} failed: ${done.message ?? ''}${output ? `; output: ${output}` : ''}`,
        );
      }
      if (done?.type === 'Complete') break;
      await sleep(1_000, undefined, { signal }).catch(() => {});
    }
  } catch (error) {
    await rest
      .request('DELETE', `${jobs}/${name}`, { query: { propagationPolicy: 'Background' } })
      .catch(() => {});
    throw error;
  }
  const output = await jobOutput(context, name);
  if (output) context.onOutput?.(output);
  const secret = await rest
    .request<{ data?: Record<string, string> }>('GET', secretPath(namespace, job.credentialsSecret))
    .catch((error: unknown) => {
      throw new RecoveryActionError(
        `action ${action.name}: Job ${name} completed but Secret ${job.credentialsSecret} cannot be read (${apiStatus(error) ?? 'no answer'})`,
      );
    });
  await rest.request('DELETE', secretPath(namespace, job.credentialsSecret)).catch(() => {});
  const encoded = secret.data?.credentials;
  if (!encoded)
    throw new RecoveryActionError(
      `action ${action.name}: Secret ${job.credentialsSecret} has no credentials key`,
    );
  return Buffer.from(encoded, 'base64').toString('utf8');
}

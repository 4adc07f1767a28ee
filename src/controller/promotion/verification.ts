// The verification Job of a stage: started in the stage's cluster once the stage runs a freight
// Synced and Healthy, named after the pipeline, stage and freight so a restarted controller finds
// the one it started instead of starting another. Its outcome is the Job's own conditions (the
// cluster's Job controller decides, Tiphys only reads).
import { createHash } from 'node:crypto';
import type { DestinationRegistry } from '../../adapters/control-plane/destination-registry.ts';
import type { Application } from '../../core/model/application.ts';
import { IN_CLUSTER } from '../../core/model/common.ts';
import type { Freight, Pipeline, StageSpec, VerificationState } from '../../core/model/pipeline.ts';
import { afterFailedAttempt } from '../../core/promotion/verification-retry.ts';

const DEFAULT_TIMEOUT_S = 600;
/** On the Job's Pods: which attempt they run (1, then 2 for the first retry, …). */
export const ATTEMPT_ANNOTATION = 'tiphys.dev/verification-attempt';

interface JobStatus {
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

/** The Job of an attempt: the first has no suffix, retry N ends in `-rN` (a new Job, the failed one kept). */
export function verificationJobName(pipeline: string, stage: string, freight: string, attempt = 1): string {
  const name = `verify-${pipeline}-${stage}-${freight}${attempt > 1 ? `-r${attempt - 1}` : ''}`;
  if (name.length <= 63) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, 54).replace(/-+$/, '')}-${hash}`;
}

export function verificationTarget(stage: StageSpec, firstApp: Application | undefined) {
  return {
    cluster: stage.verification?.cluster ?? firstApp?.spec.destination.cluster ?? IN_CLUSTER,
    namespace: stage.verification?.namespace ?? firstApp?.spec.destination.namespace ?? 'default',
  };
}

/** The Job of the template, labelled, with the freight in each container's environment. */
export function verificationJob(
  pipeline: Pipeline,
  stage: StageSpec,
  freight: Freight,
  name: string,
  namespace: string,
  attempt = 1,
) {
  const spec = structuredClone(stage.verification?.job ?? {}) as Record<string, unknown> & {
    template?: {
      metadata?: { annotations?: Record<string, string> };
      spec?: { containers?: { env?: unknown[] }[] };
    };
  };
  for (const container of spec.template?.spec?.containers ?? []) {
    container.env = [
      ...(container.env ?? []),
      { name: 'TIPHYS_FREIGHT', value: freight.id },
      { name: 'TIPHYS_STAGE', value: stage.name },
      { name: 'TIPHYS_ATTEMPT', value: String(attempt) },
    ];
  }
  if (spec.template) {
    spec.template.metadata = {
      ...spec.template.metadata,
      annotations: { ...spec.template.metadata?.annotations, [ATTEMPT_ANNOTATION]: String(attempt) },
    };
  }
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace,
      labels: {
        'tiphys.dev/pipeline': pipeline.metadata.name,
        'tiphys.dev/stage': stage.name,
        'tiphys.dev/freight': freight.id,
      },
    },
    spec: { backoffLimit: 0, ...spec },
  };
}

/** Starts the Job (or finds the one already started) and returns the state to record. */
export async function startVerification(
  destinations: DestinationRegistry,
  pipeline: Pipeline,
  stage: StageSpec,
  freight: Freight,
  firstApp: Application | undefined,
  now: Date,
  attempt = 1,
): Promise<VerificationState> {
  const { cluster, namespace } = verificationTarget(stage, firstApp);
  const name = verificationJobName(pipeline.metadata.name, stage.name, freight.id, attempt);
  const { client } = await destinations.get(cluster);
  try {
    await client.rest.request('POST', `/apis/batch/v1/namespaces/${encodeURIComponent(namespace)}/jobs`, {
      body: verificationJob(pipeline, stage, freight, name, namespace, attempt),
    });
  } catch (error) {
    if ((error as { status?: number }).status !== 409) throw error;
  }
  return {
    freight: freight.id,
    job: `${namespace}/${name}`,
    phase: 'Running',
    startedAt: now.toISOString(),
    attempt,
  };
}

/**
 * The state after reading the Job: Succeeded, still Running, or (the Job failed, was deleted or
 * timed out) Retrying when retries are left, else Failed with the Job's reason.
 */
export async function checkVerification(
  destinations: DestinationRegistry,
  stage: StageSpec,
  state: VerificationState,
  firstApp: Application | undefined,
  now: Date,
): Promise<VerificationState> {
  const verification = stage.verification;
  if (state.phase !== 'Running' || !verification) return state;
  const { cluster } = verificationTarget(stage, firstApp);
  const [namespace, name] = state.job.split('/');
  const { client } = await destinations.get(cluster);
  let job: { status?: JobStatus } | undefined;
  try {
    job = await client.rest.request(
      'GET',
      `/apis/batch/v1/namespaces/${encodeURIComponent(namespace)}/jobs/${encodeURIComponent(name)}`,
    );
  } catch (error) {
    if ((error as { status?: number }).status !== 404) throw error;
    return afterFailedAttempt(verification, state, `Job ${state.job} was deleted before it finished`, now);
  }
  const conditions = job?.status?.conditions ?? [];
  const holds = (type: string) => conditions.find((c) => c.type === type && c.status === 'True');
  const failed = holds('Failed');
  if (failed)
    return afterFailedAttempt(
      verification,
      state,
      [failed.reason, failed.message].filter(Boolean).join(': ') || 'the Job failed',
      now,
    );
  if (holds('Complete') || holds('SuccessCriteriaMet'))
    return { ...state, phase: 'Succeeded', message: 'the Job completed' };
  const timeout = stage.verification?.timeoutSeconds ?? DEFAULT_TIMEOUT_S;
  if (now.getTime() - Date.parse(state.startedAt) > timeout * 1000)
    return afterFailedAttempt(verification, state, `the Job did not finish within ${timeout} s`, now);
  return state;
}

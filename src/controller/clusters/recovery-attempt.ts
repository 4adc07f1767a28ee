// One attempt at recovering a lost cluster, run in the background by the coordinator: either the
// administrator's action provisions a replacement (installed only once it answers with the
// credentials the action handed back), or the cluster's apps move to a reachable standby.
import { randomBytes } from 'node:crypto';
import { remoteKubeConfig } from '../../adapters/kube/connection.ts';
import { KubeRest } from '../../adapters/kube/rest.ts';
import { runRecoveryAction } from '../../adapters/recovery/run-action.ts';
import { parseCredentialsOutput } from '../../core/cluster-health/credentials-output.ts';
import type { Cluster } from '../../core/model/cluster.ts';
import type { ResolvedRecoveryAction } from '../../core/model/recovery-actions.ts';
import {
  applicationsOnCluster,
  chooseStandby,
  installReplacement,
  moveApplications,
} from '../../domain/cluster-recovery.ts';
import { listClusters, readCluster } from '../../domain/clusters.ts';
import type { ControlPlane } from '../../domain/control-plane.ts';
import { errorMessage } from '../log.ts';

export type Outcome =
  /** `answeredAt`: when the replacement answered (or the apps were moved), in ms. */
  { ok: true; apps: string[]; answeredAt: number; failoverTo?: string } | { ok: false; reason: string };
/** An attempt in the background: its outcome and what its action reported, once known. */
export type Run = { abort: AbortController; outcome?: Outcome; output?: string };

/** Runs the action, checks the replacement answers, then switches the Cluster to it in one write. */
export async function replaceWithAction(
  cp: ControlPlane,
  cluster: Cluster,
  action: ResolvedRecoveryAction,
  run: Run,
): Promise<Outcome> {
  const name = cluster.metadata.name;
  const signal = run.abort.signal;
  const output = await runRecoveryAction(
    action,
    { cluster: name, server: cluster.spec.server },
    {
      rest: cp.rest,
      namespace: cp.namespace,
      signal,
      onOutput: (text) => {
        run.output = text;
      },
    },
  );
  const credentials = parseCredentialsOutput(output, `action ${action.name}`);
  // The replacement must answer with these credentials before anything is registered.
  let answeredAt = 0;
  const rest = new KubeRest(
    remoteKubeConfig(name, credentials.server, {
      kubeconfig: credentials.data.kubeconfig,
      bearerToken: credentials.data.bearerToken,
      caData: credentials.data.caData,
      insecure: credentials.data.insecure === 'true',
    }),
  );
  try {
    await rest.request('GET', '/version', { timeoutMs: 15_000 });
    answeredAt = Date.now();
  } catch (error) {
    return {
      ok: false,
      reason: `the replacement at ${credentials.server} does not answer with the credentials action ${action.name} gave: ${errorMessage(error)}`,
    };
  } finally {
    rest.close();
  }
  if (signal.aborted) return { ok: false, reason: 'cancelled' };
  const current = await readCluster(cp, name);
  if (!current) return { ok: false, reason: `cluster ${name} was deleted during the recovery` };
  await installReplacement(
    cp,
    current,
    credentials,
    `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`,
  );
  return { ok: true, apps: await applicationsOnCluster(cp, name), answeredAt };
}

/** Moves the lost cluster's apps to the first reachable Cluster its failover selector picks. */
export async function failOverToStandby(cp: ControlPlane, cluster: Cluster): Promise<Outcome> {
  const name = cluster.metadata.name;
  const selector = cluster.spec.recovery?.failover?.selector ?? {};
  const standby = chooseStandby(await listClusters(cp), name, selector);
  if (!standby) {
    return {
      ok: false,
      reason: `no reachable standby cluster carries ${
        Object.entries(selector)
          .map(([k, v]) => `${k}=${v}`)
          .join(',') || 'the selector'
      }`,
    };
  }
  const apps = await applicationsOnCluster(cp, name);
  await moveApplications(cp, apps, name, standby.metadata.name);
  return { ok: true, apps, answeredAt: Date.now(), failoverTo: standby.metadata.name };
}

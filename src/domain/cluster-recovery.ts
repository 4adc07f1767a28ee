// What a person and the controller do about a lost cluster: approve its recovery (API and CLI
// alike), install a replacement's credentials in one switch, move apps to a standby (failover).
import { apiStatus, MERGE_PATCH, tiphysPath } from '../adapters/control-plane/paths.ts';
import type { NewClusterCredentials } from '../core/cluster-health/credentials-output.ts';
import {
  APPROVAL_ANNOTATION,
  CREDENTIALS_REVISION_ANNOTATION,
  FAILED_OVER_FROM_ANNOTATION,
} from '../core/cluster-health/recovery.ts';
import { withDefaults } from '../core/model/application.ts';
import type { Cluster } from '../core/model/cluster.ts';
import { RecoveryPhase } from '../core/model/cluster-status.ts';
import { listApplications, updateApplication } from './applications.ts';
import { readCluster } from './clusters.ts';
import type { ControlPlane } from './control-plane.ts';
import {
  credentialsLabels,
  deleteCredentialsSecret,
  deleteSecret,
  upsertSecret,
} from './credential-secrets.ts';
import { ConflictError, NotFoundError } from './errors.ts';

/**
 * Approves the recovery of a lost cluster waiting in approve mode. The approval names the loss
 * (incident) it answers, so it cannot start the recovery of a later one.
 */
export async function approveClusterRecovery(
  cp: ControlPlane,
  name: string,
  by: string,
  now = new Date(),
): Promise<{ incident: string }> {
  const cluster = await readCluster(cp, name);
  if (!cluster) throw new NotFoundError(`cluster "${name}" not found in namespace ${cp.namespace}`);
  const recovery = cluster.status?.recovery;
  if (recovery?.phase !== RecoveryPhase.AwaitingApproval) {
    throw new ConflictError(
      `cluster "${name}" has no recovery waiting for approval (${recovery ? `recovery is ${recovery.phase}` : `the cluster is ${cluster.status?.health?.phase ?? 'not lost'}`})`,
    );
  }
  const approval = JSON.stringify({ incident: recovery.incident, by, at: now.toISOString() });
  await cp.rest.request('PATCH', tiphysPath(cp.namespace, 'clusters', name), {
    body: {
      // No resourceVersion guard: the controller writes the status every few seconds, and the
      // approval names its incident, so a later loss is not approved by it anyway.
      metadata: { annotations: { [APPROVAL_ANNOTATION]: approval } },
    },
    contentType: MERGE_PATCH,
  });
  return { incident: recovery.incident };
}

/** The Applications that deploy to the cluster. */
export async function applicationsOnCluster(cp: ControlPlane, cluster: string): Promise<string[]> {
  return (await listApplications(cp))
    .filter((app) => withDefaults(app).spec.destination.cluster === cluster)
    .map((app) => app.metadata.name)
    .sort();
}

/**
 * Points the Cluster at its replacement in one write: the new credentials go in a Secret of a new
 * name first, then the Cluster's server and Secret reference change together (guarded by its
 * resourceVersion). If that write fails the new Secret is deleted, so a failed switch leaves the
 * old registration whole; once it succeeds the old Secret goes.
 */
export async function installReplacement(
  cp: ControlPlane,
  cluster: Cluster,
  credentials: NewClusterCredentials,
  revision: string,
): Promise<Cluster> {
  const name = cluster.metadata.name;
  const secret = `cluster-${name}-${revision}`.slice(0, 253);
  await upsertSecret(cp, secret, credentialsLabels('cluster'), credentials.data, true);
  let updated: Cluster | undefined;
  let current = cluster;
  // A status write (a probe, a notification's result) changes the resourceVersion too: the switch
  // is tried again on the fresh Cluster while its spec (generation) is the one the attempt read.
  for (let attempt = 1; !updated; attempt++) {
    try {
      updated = await cp.rest.request<Cluster>('PUT', tiphysPath(cp.namespace, 'clusters', name), {
        body: switched(current, credentials.server, secret, revision),
      });
    } catch (error) {
      const fresh = apiStatus(error) === 409 && attempt < 5 ? await readCluster(cp, name) : undefined;
      if (fresh && fresh.metadata.generation === cluster.metadata.generation) {
        current = fresh;
        continue;
      }
      await deleteSecret(cp, cp.namespace, secret).catch(() => {});
      if (apiStatus(error) === 409)
        throw new ConflictError(`cluster "${name}" changed while its replacement was installed`);
      throw error;
    }
  }
  const old = cluster.spec.credentialsSecret;
  if (old && old.name !== secret) await deleteCredentialsSecret(cp, 'cluster', old).catch(() => {});
  return updated;
}

/** The Cluster pointed at the replacement: its server, its new credentials Secret and their revision. */
function switched(cluster: Cluster, server: string, secret: string, revision: string): Cluster {
  return {
    ...cluster,
    status: undefined,
    metadata: {
      ...cluster.metadata,
      annotations: { ...cluster.metadata.annotations, [CREDENTIALS_REVISION_ANNOTATION]: revision },
    },
    spec: { ...cluster.spec, server, credentialsSecret: { name: secret } },
  };
}

/** Failover: each app moves to the standby, remembering where it came from. */
export async function moveApplications(
  cp: ControlPlane,
  apps: readonly string[],
  from: string,
  to: string,
): Promise<void> {
  for (const name of apps) {
    await updateApplication(cp, name, (app) => {
      if (withDefaults(app).spec.destination.cluster !== from) return undefined;
      return {
        metadata: { annotations: { [FAILED_OVER_FROM_ANNOTATION]: from } },
        spec: { destination: { ...app.spec.destination, cluster: to } },
      };
    });
  }
}

/** The standby for a failover: registered, reachable, not the lost one, carrying every label. */
export function chooseStandby(clusters: readonly Cluster[], lost: string, selector: Record<string, string>) {
  return clusters
    .filter((c) => c.metadata.name !== lost)
    .filter((c) => Object.entries(selector).every(([k, v]) => c.metadata.labels?.[k] === v))
    .filter(
      (c) =>
        (c.status?.health?.phase ?? 'Reachable') === 'Reachable' &&
        c.status?.connection?.status === 'Successful',
    )
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))[0];
}

// Registering and unregistering the clusters Applications deploy to: a Cluster resource, and the
// credentials Secret it points at. The CLI (with a kubeconfig) and the API server both call
// these, so both validate, refuse and clean up the same way.
import { apiStatus, tiphysPath } from '../adapters/control-plane/paths.ts';
import { withDefaults } from '../core/model/application.ts';
import { type Cluster, ClusterSecretKey, validateCluster } from '../core/model/cluster.ts';
import { clusterKubeconfigProblems } from '../core/model/cluster-kubeconfig.ts';
import { API_VERSION, IN_CLUSTER } from '../core/model/common.ts';
import { listApplications } from './applications.ts';
import type { ControlPlane } from './control-plane.ts';
import {
  credentialsLabels,
  deleteCredentialsSecret,
  deleteSecret,
  upsertSecret,
} from './credential-secrets.ts';
import { ConflictError, InvalidRequestError, NotFoundError } from './errors.ts';

const PLURAL = 'clusters';

export class ClusterExistsError extends ConflictError {
  override name = 'ClusterExistsError';
}

export class ClusterInUseError extends ConflictError {
  override name = 'ClusterInUseError';
  readonly applications: string[];
  constructor(cluster: string, applications: string[]) {
    const shown = applications.slice(0, 10).join(', ') + (applications.length > 10 ? ', …' : '');
    super(
      `cluster "${cluster}" is the destination of ${applications.length} application(s): ${shown}; delete or move them first`,
    );
    this.applications = applications;
  }
}

export interface ClusterRegistration {
  name: string;
  /** The API server URL, without a trailing slash. */
  server: string;
  labels?: Record<string, string>;
  /** The credentials Secret's data (ClusterSecretKey fields); none for a cluster needing none. */
  credentials: Record<string, string>;
}

/** The Cluster, or undefined when there is none of that name. */
export async function readCluster(cp: ControlPlane, name: string): Promise<Cluster | undefined> {
  try {
    return await cp.rest.request<Cluster>('GET', tiphysPath(cp.namespace, PLURAL, name));
  } catch (error) {
    if (apiStatus(error) === 404 && !/could not find the requested/.test(String(error))) return undefined;
    throw error;
  }
}

export async function listClusters(cp: ControlPlane): Promise<Cluster[]> {
  const list = await cp.rest.request<{ items: Cluster[] }>('GET', tiphysPath(cp.namespace, PLURAL));
  return list.items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/** The Cluster resource of a registration, checked; every problem in one message. */
export function clusterResource(namespace: string, registration: ClusterRegistration): Cluster {
  const { name, server, labels, credentials } = registration;
  if (name === IN_CLUSTER) {
    throw new InvalidRequestError(`${IN_CLUSTER} is the control cluster itself; it needs no registration`);
  }
  const cluster: Cluster = {
    apiVersion: API_VERSION,
    kind: 'Cluster',
    metadata: { name, namespace, ...(labels ? { labels } : {}) },
    spec: {
      server,
      ...(Object.keys(credentials).length > 0 ? { credentialsSecret: { name: `cluster-${name}` } } : {}),
    },
  };
  const errors = validateCluster(cluster);
  // The controller would run or read on its own machine what such a kubeconfig names.
  if (credentials[ClusterSecretKey.kubeconfig] !== undefined) {
    errors.push(...clusterKubeconfigProblems(credentials[ClusterSecretKey.kubeconfig]));
  }
  if (errors.length > 0) throw new InvalidRequestError(`invalid cluster "${name}": ${errors.join('; ')}`);
  return cluster;
}

/**
 * Registers a cluster: its credentials Secret, then the Cluster. An existing one is replaced only
 * with `replace`. `beforeWrite` runs once the request is known to be acceptable and before
 * anything is written (the CLI calls the new cluster there, so a typo changes nothing). A failed
 * Cluster write removes the Secret it just created: no credentials are left that nothing uses.
 */
export async function registerCluster(
  cp: ControlPlane,
  registration: ClusterRegistration,
  options: { replace: boolean; beforeWrite?: () => Promise<void> },
): Promise<{ cluster: Cluster; created: boolean }> {
  const cluster = clusterResource(cp.namespace, registration);
  const { name } = registration;
  const existing = await readCluster(cp, name);
  if (existing && !options.replace) {
    throw new ClusterExistsError(`cluster "${name}" already exists in namespace ${cp.namespace}`);
  }
  await options.beforeWrite?.();
  const secret = cluster.spec.credentialsSecret?.name;
  const createdSecret = secret
    ? await upsertSecret(cp, secret, credentialsLabels('cluster'), registration.credentials, options.replace)
    : false;
  try {
    if (existing) {
      const body = {
        ...cluster,
        metadata: { ...cluster.metadata, resourceVersion: existing.metadata.resourceVersion },
      };
      return {
        cluster: await cp.rest.request<Cluster>('PUT', tiphysPath(cp.namespace, PLURAL, name), { body }),
        created: false,
      };
    }
    return {
      cluster: await cp.rest.request<Cluster>('POST', tiphysPath(cp.namespace, PLURAL), { body: cluster }),
      created: true,
    };
  } catch (error) {
    if (secret && createdSecret) await deleteSecret(cp, cp.namespace, secret).catch(() => {});
    throw error;
  }
}

/**
 * Unregisters a cluster and deletes its credentials Secret (only one labelled as cluster
 * credentials). A cluster Applications still deploy to is refused unless `force`.
 */
export async function unregisterCluster(
  cp: ControlPlane,
  name: string,
  options: { force: boolean },
): Promise<Cluster> {
  if (name === IN_CLUSTER) {
    throw new InvalidRequestError(`${IN_CLUSTER} is the control cluster; it cannot be removed`);
  }
  const cluster = await readCluster(cp, name);
  if (!cluster) throw new NotFoundError(`cluster "${name}" not found in namespace ${cp.namespace}`);
  if (!options.force) {
    const users = (await listApplications(cp))
      .filter((app) => withDefaults(app).spec.destination.cluster === name)
      .map((app) => app.metadata.name);
    if (users.length > 0) throw new ClusterInUseError(name, users);
  }
  await cp.rest.request('DELETE', tiphysPath(cp.namespace, PLURAL, name));
  const ref = cluster.spec.credentialsSecret;
  if (ref) await deleteCredentialsSecret(cp, 'cluster', ref);
  return cluster;
}

import type { KubeConfig } from '@kubernetes/client-node';
import { CREDENTIALS_REVISION_ANNOTATION } from '../../core/cluster-health/recovery.ts';
import type { Cluster } from '../../core/model/cluster.ts';
import { IN_CLUSTER } from '../../core/model/common.ts';
import { ClusterCache } from '../kube/cluster-cache.ts';
import { asKubeApiError, ClusterClient } from '../kube/cluster-client.ts';
import { type ClusterCredentials, ClusterCredentialsError, remoteKubeConfig } from '../kube/connection.ts';
import { KubeRest } from '../kube/rest.ts';
import { secretPath, tiphysPath } from './paths.ts';

/** A cluster Applications deploy to: its client, its live-state cache and what is known of it. */
export interface Destination {
  name: string;
  server: string;
  client: ClusterClient;
  cache: ClusterCache;
  serverVersion?: string;
  /** The Cluster resource as last read (its health and recovery status); none for in-cluster. */
  cluster?: Cluster;
}

export class DestinationNotFoundError extends Error {
  override name = 'DestinationNotFoundError';
}

/**
 * Registered clusters by name. `in-cluster` is the control cluster; any other name is a Cluster
 * resource whose credentials Secret says how to connect. Each destination has its own client and
 * cache, so an unreachable cluster only fails the reconciles of its own Applications.
 */
export class DestinationRegistry {
  private readonly controlKc: KubeConfig;
  private readonly namespace: string;
  /** Reads Clusters and their Secrets in the control cluster. */
  private readonly rest: KubeRest;
  private readonly destinations = new Map<string, { destination: Destination; resourceVersion: string }>();
  private readonly onCacheEvent: (destination: string) => Parameters<ClusterCache['onEvent']>[0];
  private readonly inClusterNamespaces: string[] | undefined;
  /**
   * The look-up in progress per name: two callers at once (a probe and a reconcile) share one,
   * so no second client and cache is made and left behind, never stopped.
   */
  private readonly pending = new Map<string, Promise<Destination>>();
  private stopped = false;

  /**
   * `inClusterNamespaces` is namespaced mode for the control cluster: only those namespaces are
   * watched and managed there (the RBAC of deploy/overlays/namespaced reaches no further).
   * Registered clusters are watched whole: their credentials say what Tiphys may do there.
   */
  constructor(
    controlKc: KubeConfig,
    namespace: string,
    onCacheEvent: (destination: string) => Parameters<ClusterCache['onEvent']>[0],
    options: { inClusterNamespaces?: string[] } = {},
  ) {
    this.controlKc = controlKc;
    this.namespace = namespace;
    this.inClusterNamespaces = options.inClusterNamespaces;
    this.rest = new KubeRest(controlKc);
    this.onCacheEvent = onCacheEvent;
  }

  /** The destination by name; a changed Cluster resource (new credentials) gets a new client. */
  get(name: string): Promise<Destination> {
    // After stop no client is made: its watches would keep the process alive, never stopped.
    if (this.stopped) return Promise.reject(new Error(`destination ${name}: the controller is stopping`));
    const inFlight = this.pending.get(name);
    if (inFlight) return inFlight;
    const lookup = this.lookUp(name).finally(() => this.pending.delete(name));
    this.pending.set(name, lookup);
    return lookup;
  }

  private async lookUp(name: string): Promise<Destination> {
    if (name === IN_CLUSTER) {
      const known = this.destinations.get(name);
      if (known) return known.destination;
      return this.remember(name, this.controlKc, '');
    }
    const cluster = await this.readCluster(name);
    const known = this.destinations.get(name);
    // A new client only when how to connect changed: the spec (server, Secret name) or the
    // credentials a recovery installed. Status writes (health probes) change neither.
    const version = `${cluster.metadata.generation ?? ''}/${cluster.metadata.annotations?.[CREDENTIALS_REVISION_ANNOTATION] ?? ''}`;
    if (known && known.resourceVersion === version) {
      known.destination.cluster = cluster;
      return known.destination;
    }
    if (known) {
      await known.destination.cache.stop();
      known.destination.client.rest.close();
    }
    const credentials = await this.readCredentials(cluster);
    const destination = this.remember(
      name,
      remoteKubeConfig(name, cluster.spec.server, credentials),
      version,
    );
    destination.cluster = cluster;
    return destination;
  }

  /** Every destination in use, for status reporting and shutdown. */
  all(): Destination[] {
    return [...this.destinations.values()].map((entry) => entry.destination);
  }

  /**
   * Drops a destination's cache (its watches and objects) and connections: sharding gave its
   * cluster to another replica. A later get() connects again; holders of the old destination
   * keep a client that still works, over new connections.
   */
  async release(name: string): Promise<boolean> {
    await this.pending.get(name)?.catch(() => {});
    const known = this.destinations.get(name);
    if (!known) return false;
    this.destinations.delete(name);
    await known.destination.cache.stop();
    known.destination.client.rest.close();
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.pending.values()]);
    for (const { destination } of this.destinations.values()) {
      await destination.cache.stop();
      destination.client.rest.close();
    }
    this.destinations.clear();
    this.rest.close();
  }

  /**
   * Asks the cluster for its version with its current credentials: what the health monitor
   * probes. A missing Cluster or Secret is a failed probe like a cluster that does not answer.
   */
  async probe(
    name: string,
  ): Promise<{ ok: true; version: string; objects: number; kinds: number } | { ok: false; message: string }> {
    try {
      const destination = await this.get(name);
      destination.serverVersion = await destination.client.serverVersion();
      const info = destination.cache.info();
      return { ok: true, version: destination.serverVersion, objects: info.objects, kinds: info.kinds };
    } catch (error) {
      return { ok: false, message: error instanceof Error ? error.message : String(error) };
    }
  }

  private remember(name: string, kc: KubeConfig, resourceVersion: string): Destination {
    const client = new ClusterClient(kc);
    // A reconcile's applies and deletes stop when its replica no longer owns the cluster.
    client.rest.fenced = true;
    const namespaces = name === IN_CLUSTER ? this.inClusterNamespaces : undefined;
    const cache = new ClusterCache(client, { namespaces });
    cache.onEvent(this.onCacheEvent(name));
    const destination: Destination = { name, server: client.server, client, cache };
    this.destinations.set(name, { destination, resourceVersion });
    return destination;
  }

  private async readCluster(name: string): Promise<Cluster> {
    try {
      return await this.rest.request<Cluster>('GET', tiphysPath(this.namespace, 'clusters', name));
    } catch (error) {
      const failure = asKubeApiError(error, `read of Cluster ${name}`);
      if (failure.status === 404) {
        throw new DestinationNotFoundError(
          `destination cluster "${name}" is not registered (no Cluster ${name} in namespace ${this.namespace})`,
        );
      }
      throw failure;
    }
  }

  private async readCredentials(cluster: Cluster): Promise<ClusterCredentials> {
    const ref = cluster.spec.credentialsSecret;
    if (!ref) return {};
    const namespace = this.namespace;
    // A Cluster is anyone's who may write Clusters; the Secrets of other namespaces are not.
    if (ref.namespace !== undefined && ref.namespace !== namespace) {
      throw new ClusterCredentialsError(
        `Cluster ${cluster.metadata.name}: its credentialsSecret must be in the control namespace ${namespace}, not ${ref.namespace}`,
      );
    }
    try {
      const secret = await this.rest.request<{ data?: Record<string, string> }>(
        'GET',
        secretPath(namespace, ref.name),
      );
      const decode = (key: string) =>
        secret.data?.[key] ? Buffer.from(secret.data[key], 'base64').toString('utf8') : undefined;
      return {
        kubeconfig: decode('kubeconfig'),
        bearerToken: decode('bearerToken'),
        caData: decode('caData'),
        insecure: decode('insecure') === 'true',
      };
    } catch (error) {
      throw asKubeApiError(
        error,
        `read of the credentials Secret ${namespace}/${ref.name} of Cluster ${cluster.metadata.name}`,
      );
    }
  }
}

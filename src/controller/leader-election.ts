import type { KubeConfig } from '@kubernetes/client-node';
import { asKubeApiError } from '../adapters/kube/cluster-client.ts';
import { KubeRest } from '../adapters/kube/rest.ts';

interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** Leases hold MicroTime: RFC 3339 with exactly six fractional digits. */
function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  renewEveryMs?: number;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  log?: (message: string) => void;
}

/**
 * Leader election on a coordination.k8s.io Lease, so that of several controller replicas only
 * one acts. Writes use the Lease's resourceVersion: two candidates can never both win a round.
 * A leader that cannot renew within the lease duration steps down before another can take over.
 */
export class LeaderElector {
  private readonly rest: KubeRest;
  private readonly options: Required<Omit<LeaderElectionOptions, 'log'>> & { log: (m: string) => void };
  private timer: NodeJS.Timeout | undefined;
  private leading = false;
  private lastRenewal = 0;
  private stopped = false;

  constructor(kc: KubeConfig, options: LeaderElectionOptions) {
    this.rest = new KubeRest(kc);
    this.options = { leaseDurationSeconds: 15, renewEveryMs: 2_000, log: () => {}, ...options };
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    const tick = async () => {
      if (this.stopped) return;
      try {
        const won = await this.tryAcquireOrRenew();
        if (won) this.lastRenewal = Date.now();
        this.setLeading(won);
      } catch (error) {
        this.options.log(`leader election: ${error instanceof Error ? error.message : String(error)}`);
        // Keep leading only while the last renewal is still within the lease.
        if (Date.now() - this.lastRenewal > this.options.leaseDurationSeconds * 1000 * 0.8)
          this.setLeading(false);
      }
      if (!this.stopped) this.timer = setTimeout(tick, this.options.renewEveryMs);
    };
    void tick();
  }

  /** Stops competing; a leader releases the Lease so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.leading) {
      this.setLeading(false);
      try {
        const lease = await this.read();
        if (lease?.spec?.holderIdentity === this.options.identity) {
          lease.spec.holderIdentity = undefined;
          lease.spec.renewTime = undefined;
          await this.rest.request('PUT', this.path(), { body: lease });
        }
      } catch {
        // the lease expires on its own
      }
    }
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.options.log(
      leading ? `${this.options.identity} became the leader` : `${this.options.identity} stopped leading`,
    );
    if (leading) this.options.onStartedLeading();
    else this.options.onStoppedLeading();
  }

  private path(withName = true): string {
    const base = `/apis/coordination.k8s.io/v1/namespaces/${this.options.namespace}/leases`;
    return withName ? `${base}/${this.options.name}` : base;
  }

  private async read(): Promise<Lease | undefined> {
    try {
      return await this.rest.request<Lease>('GET', this.path());
    } catch (error) {
      const failure = asKubeApiError(error, 'read of the leader Lease');
      if (failure.status === 404) return undefined;
      throw failure;
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { name, namespace, identity, leaseDurationSeconds } = this.options;
    const now = new Date();
    const stamp = microTime(now);
    const lease = await this.read();
    if (!lease) {
      try {
        await this.rest.request('POST', this.path(false), {
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds,
              acquireTime: stamp,
              renewTime: stamp,
              leaseTransitions: 0,
            },
          },
        });
        return true;
      } catch (error) {
        if (asKubeApiError(error, 'create of the leader Lease').status === 409) return false;
        throw error;
      }
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity;
    const renewed = spec.renewTime ? new Date(spec.renewTime).getTime() : 0;
    const expired = renewed + (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000 < now.getTime();
    if (holder && holder !== identity && !expired) return false;
    const takingOver = holder !== identity;
    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds,
      renewTime: stamp,
      acquireTime: takingOver ? stamp : spec.acquireTime,
      leaseTransitions: (spec.leaseTransitions ?? 0) + (takingOver ? 1 : 0),
    };
    try {
      await this.rest.request('PUT', this.path(), { body: lease });
      return true;
    } catch (error) {
      if (asKubeApiError(error, 'renewal of the leader Lease').status === 409) return false;
      throw error;
    }
  }
}

import type { KubeConfig } from '@kubernetes/client-node';
import { asKubeApiError } from '../adapters/kube/cluster-client.ts';
import { KubeRest } from '../adapters/kube/rest.ts';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

/** Where the Lease lives. Writes carry the resourceVersion read: a stale write is refused. */
export interface LeaseStore {
  read(): Promise<Lease | undefined>;
  /** False when another candidate created it first. */
  create(lease: Lease): Promise<boolean>;
  /** False when the Lease changed since it was read. */
  update(lease: Lease): Promise<boolean>;
}

/** Leases hold MicroTime: RFC 3339 with exactly six fractional digits. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
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
  /** This process's clock (tests inject one). */
  now?: () => number;
  /** Default: the Lease `name` in `namespace` of the cluster `kc` points at. */
  store?: LeaseStore;
}

/**
 * Leader election on a coordination.k8s.io Lease, so that of several controller replicas only
 * one acts. Writes use the Lease's resourceVersion: two candidates can never both win a round.
 *
 * Time is only ever compared on one machine's clock (client-go's rule): a candidate judges a
 * Lease by when it saw the Lease's record last change, never by the renewTime the holder wrote
 * with its own clock. A holder whose clock runs an hour behind therefore does not look expired
 * (two leaders), and one whose clock runs ahead does not look alive forever once it stops
 * renewing. A leader that cannot renew within most of the lease steps down before another can
 * take over.
 */
export class LeaderElector {
  private readonly store: LeaseStore;
  private readonly options: Required<Omit<LeaderElectionOptions, 'log' | 'store' | 'now'>> & {
    log: (m: string) => void;
  };
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private leading = false;
  private lastRenewal = 0;
  private stopped = false;
  /** The Lease record last seen and when (local clock) it was first seen like that. */
  private observed: { record: string; at: number } | undefined;

  constructor(kc: KubeConfig | undefined, options: LeaderElectionOptions) {
    this.options = { leaseDurationSeconds: 15, renewEveryMs: 2_000, log: () => {}, ...options };
    this.now = options.now ?? Date.now;
    if (options.store) this.store = options.store;
    else if (kc) this.store = new KubeLeaseStore(kc, options.namespace, options.name);
    else throw new Error('leader election needs a kubeconfig or a Lease store');
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    const tick = async () => {
      if (this.stopped) return;
      await this.round();
      if (!this.stopped) this.timer = setTimeout(tick, this.options.renewEveryMs);
    };
    void tick();
  }

  /** One round: acquire or renew the Lease, and start or stop leading accordingly. */
  async round(): Promise<void> {
    try {
      const won = await this.tryAcquireOrRenew();
      if (won) this.lastRenewal = this.now();
      this.setLeading(won);
    } catch (error) {
      this.options.log(`leader election: ${error instanceof Error ? error.message : String(error)}`);
      // Keep leading only while the last renewal is well within the lease.
      if (this.now() - this.lastRenewal > this.options.leaseDurationSeconds * 1000 * 0.8)
        this.setLeading(false);
    }
  }

  /** Stops competing; a leader releases the Lease so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.leading) {
      this.setLeading(false);
      try {
        const lease = await this.store.read();
        if (lease?.spec?.holderIdentity === this.options.identity) {
          lease.spec.holderIdentity = undefined;
          lease.spec.renewTime = undefined;
          await this.store.update(lease);
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

  /** Notes the record with the local time it was first seen; returns when that was. */
  private observe(spec: LeaseSpec | undefined, now: number): number {
    const record = JSON.stringify([
      spec?.holderIdentity,
      spec?.leaseDurationSeconds,
      spec?.acquireTime,
      spec?.renewTime,
      spec?.leaseTransitions,
    ]);
    if (this.observed?.record !== record) this.observed = { record, at: now };
    return this.observed.at;
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { name, namespace, identity, leaseDurationSeconds } = this.options;
    const now = this.now();
    const stamp = microTime(now);
    const lease = await this.store.read();
    if (!lease) {
      const spec: LeaseSpec = {
        holderIdentity: identity,
        leaseDurationSeconds,
        acquireTime: stamp,
        renewTime: stamp,
        leaseTransitions: 0,
      };
      const created = await this.store.create({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace },
        spec,
      });
      if (created) this.observe(spec, now);
      return created;
    }
    const spec = lease.spec ?? {};
    const seenAt = this.observe(spec, now);
    const holder = spec.holderIdentity;
    const duration = (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    if (holder && holder !== identity && seenAt + duration > now) return false;
    const takingOver = holder !== identity;
    const next: LeaseSpec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds,
      renewTime: stamp,
      acquireTime: takingOver ? stamp : spec.acquireTime,
      leaseTransitions: (spec.leaseTransitions ?? 0) + (takingOver ? 1 : 0),
    };
    const updated = await this.store.update({ ...lease, spec: next });
    if (updated) this.observe(next, now);
    return updated;
  }
}

/** The Lease as a coordination.k8s.io object of the control cluster. */
export class KubeLeaseStore implements LeaseStore {
  private readonly rest: KubeRest;
  private readonly base: string;
  private readonly name: string;

  constructor(kc: KubeConfig, namespace: string, name: string) {
    this.rest = new KubeRest(kc);
    this.base = `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`;
    this.name = name;
  }

  async read(): Promise<Lease | undefined> {
    try {
      return await this.rest.request<Lease>('GET', `${this.base}/${this.name}`);
    } catch (error) {
      const failure = asKubeApiError(error, 'read of the leader Lease');
      if (failure.status === 404) return undefined;
      throw failure;
    }
  }

  async create(lease: Lease): Promise<boolean> {
    try {
      await this.rest.request('POST', this.base, { body: lease });
      return true;
    } catch (error) {
      if (asKubeApiError(error, 'create of the leader Lease').status === 409) return false;
      throw error;
    }
  }

  async update(lease: Lease): Promise<boolean> {
    try {
      await this.rest.request('PUT', `${this.base}/${this.name}`, { body: lease });
      return true;
    } catch (error) {
      if (asKubeApiError(error, 'renewal of the leader Lease').status === 409) return false;
      throw error;
    }
  }
}

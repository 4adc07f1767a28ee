// Sharding membership (docs/fleet.md "Sharding"): each replica renews a Lease of its own in the
// control namespace, reads its peers' Leases, and owns the clusters that rendezvous hashing gives
// it among the replicas alive. The pure rules are in src/core/sharding/assign.ts.
import { createHash } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { asKubeApiError } from '../adapters/kube/cluster-client.ts';
import { KubeRest } from '../adapters/kube/rest.ts';
import { liveMembers, observe, ownerOf, type PeerObservation } from '../core/sharding/assign.ts';
import type { Lease } from './leader-election.ts';

export const SHARD_LABEL = 'tiphys.dev/controller-shard';

/** Where the replicas' Leases live: this replica's own, and every replica's by label. */
export interface ShardLeaseStore {
  list(): Promise<Lease[]>;
  /** Creates or renews this replica's Lease. */
  renew(name: string, identity: string, leaseDurationSeconds: number, nowMs: number): Promise<void>;
  delete(name: string): Promise<void>;
}

export interface ShardMembershipOptions {
  namespace: string;
  identity: string;
  leaseDurationSeconds?: number;
  renewEveryMs?: number;
  /** The replicas alive changed: what this replica owns changed with them. */
  onChange: (members: readonly string[]) => void;
  log?: (message: string) => void;
  now?: () => number;
  store?: ShardLeaseStore;
}

/** The name of a replica's Lease: its identity may hold characters a name may not. */
export function shardLeaseName(identity: string): string {
  return `tiphys-shard-${createHash('sha256').update(identity).digest('hex').slice(0, 16)}`;
}

/**
 * One replica's view of the shard members. It owns nothing until it has renewed its Lease for
 * one lease duration: the replicas already running see that Lease within a renewal, drop the
 * clusters it takes and have most of a lease duration to finish what they had started on them,
 * so two replicas never reconcile one cluster at the same time. It also owns nothing while its
 * own renewals fail for most of a lease duration: its peers will take its clusters.
 */
export class ShardMembership {
  private readonly options: Required<Omit<ShardMembershipOptions, 'store' | 'now' | 'log'>> & {
    log: (message: string) => void;
  };
  private readonly store: ShardLeaseStore;
  private readonly now: () => number;
  private readonly leaseName: string;
  private peers = new Map<string, PeerObservation>();
  private members: readonly string[] = [];
  private startedAt = 0;
  private joinedAt: number | undefined;
  private lastRenewal = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(kc: KubeConfig | undefined, options: ShardMembershipOptions) {
    this.options = { leaseDurationSeconds: 15, renewEveryMs: 2_000, log: () => {}, ...options };
    this.now = options.now ?? Date.now;
    this.leaseName = shardLeaseName(options.identity);
    if (options.store) this.store = options.store;
    else if (kc) this.store = new KubeShardLeaseStore(kc, options.namespace);
    else throw new Error('sharding needs a kubeconfig or a Lease store');
  }

  /** The replicas this one counts as alive, itself included once it has joined. */
  get live(): readonly string[] {
    return this.members;
  }

  /**
   * Whether this replica acts now: it joined, and its last renewal is recent, by its own clock,
   * read at the moment of asking. A process that was paused (SIGSTOP, a long GC pause, a
   * partition) longer than most of its lease is told no before its next renewal round has run,
   * so a reconcile that resumes with it writes nothing (write-fence.ts).
   */
  acting(): boolean {
    const fresh = this.now() - this.lastRenewal < this.options.leaseDurationSeconds * 1000 * 0.8;
    return fresh && this.members.includes(this.options.identity);
  }

  /** When this replica last began acting (joined, or joined again after losing its Lease). */
  get actingSince(): number | undefined {
    return this.acting() ? this.joinedAt : undefined;
  }

  /**
   * Whether `cluster` is this replica's among the members as of the last round: what is queued
   * here. Whether a write may be sent now also needs `acting()` (the write fence).
   */
  owns(cluster: string): boolean {
    return ownerOf(cluster, this.members) === this.options.identity;
  }

  start(): void {
    this.startedAt = this.now();
    const tick = async () => {
      if (this.stopped) return;
      await this.round();
      if (!this.stopped) this.timer = setTimeout(tick, this.options.renewEveryMs);
    };
    void tick();
  }

  /** Leaves: owns nothing, and deletes its Lease so the peers take its clusters at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.setMembers([]);
    try {
      await this.store.delete(this.leaseName);
    } catch {
      // the Lease stops changing and the peers count this replica out after a lease duration
    }
  }

  /** One renewal and one look at the peers. */
  async round(): Promise<void> {
    const { identity, leaseDurationSeconds } = this.options;
    const durationMs = leaseDurationSeconds * 1000;
    // The renewal counts from when it was sent: the peers cannot have seen it any earlier.
    const sentAt = this.now();
    try {
      await this.store.renew(this.leaseName, identity, leaseDurationSeconds, sentAt);
      // Renewed a lease duration or more after the last renewal was sent: the peers may have
      // counted it out, taken its clusters and be finishing a reconcile on them, so it joins
      // again as a newcomer does, a lease from now. (Sooner, no peer can have counted it out: a
      // peer does so only after a lease without seeing the Lease change, and the new renewal is
      // stored by then.)
      const now = this.now();
      const lapsed = this.lastRenewal > Number.NEGATIVE_INFINITY && now - this.lastRenewal >= durationMs;
      if (lapsed) this.startedAt = now;
      this.lastRenewal = sentAt;
    } catch (error) {
      this.options.log(
        `shard Lease renewal failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    try {
      this.observePeers(await this.store.list());
    } catch (error) {
      this.options.log(`shard Leases unreadable: ${error instanceof Error ? error.message : String(error)}`);
    }
    const now = this.now();
    const joined = now - this.startedAt >= durationMs && now - this.lastRenewal < durationMs * 0.8;
    const alive = liveMembers(identity, [...this.peers.values()], now);
    if (!joined) this.joinedAt = undefined;
    else this.joinedAt ??= now;
    this.setMembers(joined ? alive : alive.filter((member) => member !== identity));
  }

  private observePeers(leases: readonly Lease[]): void {
    const now = this.now();
    const seen = new Map<string, PeerObservation>();
    for (const lease of leases) {
      const identity = lease.spec?.holderIdentity;
      if (!identity || identity === this.options.identity) continue;
      const leaseDurationMs = (lease.spec?.leaseDurationSeconds ?? this.options.leaseDurationSeconds) * 1000;
      const version = lease.metadata.resourceVersion ?? '';
      const peer = observe(this.peers.get(identity), { identity, version, leaseDurationMs }, now);
      seen.set(identity, peer);
      // A replica killed leaves its Lease behind: removed once it has been dead ten times over.
      if (now - peer.seenAtMs > 10 * leaseDurationMs) {
        void this.store.delete(lease.metadata.name).catch(() => {});
      }
    }
    this.peers = seen;
  }

  private setMembers(members: readonly string[]): void {
    if (members.join('\n') === this.members.join('\n')) return;
    this.members = members;
    this.options.log(`shard members: ${members.length ? members.join(', ') : '(none: not acting)'}`);
    this.options.onChange(members);
  }
}

/** The replicas' Leases as coordination.k8s.io objects of the control cluster. */
export class KubeShardLeaseStore implements ShardLeaseStore {
  private readonly rest: KubeRest;
  private readonly base: string;
  private readonly namespace: string;

  constructor(kc: KubeConfig, namespace: string) {
    this.rest = new KubeRest(kc);
    this.namespace = namespace;
    this.base = `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`;
  }

  async list(): Promise<Lease[]> {
    const list = await this.rest.request<{ items: Lease[] }>('GET', this.base, {
      query: { labelSelector: SHARD_LABEL },
    });
    return list.items;
  }

  async renew(name: string, identity: string, leaseDurationSeconds: number, nowMs: number): Promise<void> {
    const renewTime = new Date(nowMs).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    const lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace: this.namespace, labels: { [SHARD_LABEL]: 'true' } },
      spec: { holderIdentity: identity, leaseDurationSeconds, renewTime },
    };
    // A server-side apply creates or renews in one call; the renewTime changes every time, so
    // each renewal is a new resourceVersion the peers see.
    await this.rest
      .request('PATCH', `${this.base}/${name}`, {
        body: lease,
        contentType: 'application/apply-patch+yaml',
        query: { fieldManager: 'tiphys-shard', force: 'true' },
      })
      .catch((error: unknown) => {
        throw asKubeApiError(error, 'renewal of the shard Lease');
      });
  }

  async delete(name: string): Promise<void> {
    try {
      await this.rest.request('DELETE', `${this.base}/${name}`);
    } catch (error) {
      if (asKubeApiError(error, 'deletion of a shard Lease').status !== 404) throw error;
    }
  }
}

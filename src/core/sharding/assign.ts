// Which controller replica reconciles which cluster (pure; wired by src/controller/shard-membership.ts, see
// docs/fleet.md "Sharding"). Clusters, not apps, are the unit: every app of a cluster goes to the
// replica that holds that cluster's live cache, so no cache is kept twice. Rendezvous hashing
// (highest random weight): each cluster goes to the live replica with the highest hash of
// (replica, cluster), so a replica joining or leaving moves only the clusters it takes or held.
//
// Membership comes from one Lease per replica. A peer is judged alive by when this process last
// saw its Lease record change, on this process's own clock (the leader election's rule), never by
// the renewTime the peer wrote: clocks of two machines are never compared.
import { createHash } from 'node:crypto';

function weight(member: string, key: string): bigint {
  const digest = createHash('sha256').update(member).update('\0').update(key).digest();
  return digest.readBigUInt64BE(0);
}

/** The member that owns `key`, or undefined when there is none. Same inputs, same answer. */
export function ownerOf(key: string, members: readonly string[]): string | undefined {
  let best: { member: string; weight: bigint } | undefined;
  for (const member of members) {
    const w = weight(member, key);
    if (!best || w > best.weight || (w === best.weight && member < best.member)) best = { member, weight: w };
  }
  return best?.member;
}

/** What this process saw of a peer's Lease. */
export interface PeerObservation {
  identity: string;
  /** The Lease's resourceVersion when last seen: a change means the peer renewed. */
  version: string;
  /** This process's clock when it first saw that version. */
  seenAtMs: number;
  leaseDurationMs: number;
}

/**
 * The replicas alive as of `nowMs`: this one, and every peer whose Lease changed within its lease
 * duration. A peer that stops renewing drops out one lease duration after its last renewal was
 * seen; it stops acting itself sooner (it cannot renew within most of its lease), so its clusters
 * are never reconciled by two replicas at once.
 */
export function liveMembers(self: string, peers: readonly PeerObservation[], nowMs: number): string[] {
  const alive = new Set([self]);
  for (const peer of peers) {
    if (nowMs - peer.seenAtMs < peer.leaseDurationMs) alive.add(peer.identity);
  }
  return [...alive].sort();
}

/** Records a Lease read: keeps the first time a version was seen, so a stale Lease ages. */
export function observe(
  previous: PeerObservation | undefined,
  lease: { identity: string; version: string; leaseDurationMs: number },
  nowMs: number,
): PeerObservation {
  if (previous && previous.version === lease.version) return previous;
  return { ...lease, seenAtMs: nowMs };
}

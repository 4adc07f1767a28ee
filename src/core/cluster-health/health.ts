// When a registered cluster counts as unreachable, lost, or back (pure). One probe result at a
// time moves the state; the Events to record come from the transitions only, so a cluster that
// stays down is not reported again at every probe.
import { type ClusterHealthStatus, ClusterPhase } from '../model/cluster-status.ts';

export const DEFAULT_LOST_AFTER_SECONDS = 300;
export const DEFAULT_STABLE_AFTER_SECONDS = 60;

export interface HealthSettings {
  lostAfterMs: number;
  stableAfterMs: number;
}

export function healthSettings(policy: { lostAfterSeconds?: number; stableAfterSeconds?: number } = {}) {
  return {
    lostAfterMs: (policy.lostAfterSeconds ?? DEFAULT_LOST_AFTER_SECONDS) * 1000,
    stableAfterMs: (policy.stableAfterSeconds ?? DEFAULT_STABLE_AFTER_SECONDS) * 1000,
  };
}

export interface Probe {
  ok: boolean;
  /** Milliseconds since the epoch. */
  at: number;
  /** Why it failed (no secret in it: the API client's message of a request). */
  message?: string;
}

export interface ClusterNote {
  type: 'Normal' | 'Warning';
  reason: 'ClusterUnreachable' | 'ClusterLost' | 'ClusterReachable' | 'ClusterReturned';
  message: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
const ms = (text: string | undefined) => (text ? Date.parse(text) : undefined);
const seconds = (value: number) => `${Math.round(value / 1000)} s`;

/**
 * The health after one probe. A failure starts (or continues) an outage; the outage becomes a
 * loss after `lostAfterMs`. Answers end it only after `stableAfterMs` without a failure: a
 * cluster that answers now and then keeps its outage clock running, so flapping is lost too,
 * and a lost cluster that flaps does not count as back.
 */
export function nextHealth(
  previous: ClusterHealthStatus | undefined,
  probe: Probe,
  settings: HealthSettings,
): { health: ClusterHealthStatus; notes: ClusterNote[] } {
  const phase = previous?.phase ?? ClusterPhase.Reachable;
  const notes: ClusterNote[] = [];
  const at = iso(probe.at);
  if (!probe.ok) {
    const since = ms(previous?.unreachableSince) ?? probe.at;
    const base = { unreachableSince: iso(since), lastProbeAt: at, message: probe.message };
    if (phase === ClusterPhase.Lost) return { health: { ...keepLoss(previous), ...base, phase }, notes };
    if (probe.at - since >= settings.lostAfterMs) {
      notes.push({
        type: 'Warning',
        reason: 'ClusterLost',
        message: `unreachable since ${iso(since)} (${seconds(probe.at - since)}): marked lost${probe.message ? `; last error: ${probe.message}` : ''}`,
      });
      return { health: { ...base, phase: ClusterPhase.Lost, lostAt: at }, notes };
    }
    if (phase === ClusterPhase.Reachable) {
      notes.push({
        type: 'Warning',
        reason: 'ClusterUnreachable',
        message: `the cluster does not answer${probe.message ? `: ${probe.message}` : ''}`,
      });
    }
    return { health: { ...base, phase: ClusterPhase.Unreachable }, notes };
  }
  const reachableSince = ms(previous?.reachableSince) ?? probe.at;
  if (phase === ClusterPhase.Reachable) {
    // A return is remembered until the next outage: the DriftAfterReturn condition lists the apps
    // that differ from Git since, until they are synced (dropped at the next probe, it never
    // showed: the apps are compared only after the probe that saw the return).
    const returned = previous?.returnedAt ? { returnedAt: previous.returnedAt } : {};
    return { health: { phase, reachableSince: iso(reachableSince), ...returned, lastProbeAt: at }, notes };
  }
  const stable = probe.at - reachableSince >= settings.stableAfterMs;
  if (!stable) {
    return { health: { ...previous, phase, reachableSince: iso(reachableSince), lastProbeAt: at }, notes };
  }
  if (phase === ClusterPhase.Lost) {
    notes.push({
      type: 'Normal',
      reason: 'ClusterReturned',
      message: `the lost cluster answers again by itself (since ${iso(reachableSince)}); its apps are compared, not overwritten`,
    });
    return {
      health: {
        phase: ClusterPhase.Reachable,
        reachableSince: iso(reachableSince),
        returnedAt: at,
        lastProbeAt: at,
      },
      notes,
    };
  }
  notes.push({ type: 'Normal', reason: 'ClusterReachable', message: 'the cluster answers again' });
  return {
    health: { phase: ClusterPhase.Reachable, reachableSince: iso(reachableSince), lastProbeAt: at },
    notes,
  };
}

function keepLoss(previous: ClusterHealthStatus | undefined): Partial<ClusterHealthStatus> {
  return previous?.lostAt ? { lostAt: previous.lostAt } : {};
}

/** A fresh start on a new server (a replacement): reachable, no outage. */
export function freshHealth(now: number): ClusterHealthStatus {
  return { phase: ClusterPhase.Reachable, reachableSince: iso(now), lastProbeAt: iso(now) };
}

// Watches every registered cluster: a version probe each interval, the health that follows from
// it (unreachable, lost, back), the recovery step, then one status write, the Events of the
// transitions and the metrics. Clusters are probed in parallel with a timeout each, so one that
// hangs delays no other, and nothing here waits for a recovery action.
import type { DestinationRegistry } from '../../adapters/control-plane/destination-registry.ts';
import { tiphysPath } from '../../adapters/control-plane/paths.ts';
import type { EventNote } from '../../adapters/kube/event-recorder.ts';
import { clusterConditions } from '../../core/cluster-health/conditions.ts';
import { healthSettings, nextHealth } from '../../core/cluster-health/health.ts';
import type { Application } from '../../core/model/application.ts';
import type { NotificationResult } from '../../core/model/application-status.ts';
import type { Cluster, ClusterStatus } from '../../core/model/cluster.ts';
import { RecoveryPhase } from '../../core/model/cluster-status.ts';
import { listClusters, readCluster } from '../../domain/clusters.ts';
import type { ControlPlane } from '../../domain/control-plane.ts';
import { errorMessage, type Logger } from '../log.ts';
import type { ControllerMetrics } from '../metrics.ts';
import type { Notice } from '../notifications/notifier.ts';
import type { RecoveryCoordinator } from './recovery-coordinator.ts';

export interface ClusterMonitorDeps {
  cp: ControlPlane;
  destinations: DestinationRegistry;
  recovery: RecoveryCoordinator;
  apps: () => readonly Application[];
  refresh: (app: string) => void;
  recordEvent: (cluster: Cluster, note: EventNote) => Promise<void>;
  metrics: ControllerMetrics;
  log: Logger;
  intervalMs: number;
  /** Cluster notifications fired by the status about to be written (sent once it is). */
  notify?: (cluster: Cluster, status: ClusterStatus) => Promise<Notice>;
  /** The last delivery per trigger and destination, written with the status. */
  notificationResults?: (cluster: Cluster) => NotificationResult[] | undefined;
}

/** Status fields that change at every probe: not a reason to write on their own. */
const VOLATILE = /"(lastProbeAt|attemptedAt|reachableSince|lastSuccessAt)":"[^"]*"/g;
/** Written at least this often anyway, so the probe times people read stay roughly current. */
const REFRESH_WRITE_MS = 60_000;
/**
 * A cluster whose replacement is being bootstrapped is looked at again this soon, not at the next
 * probe (30 s by default): the next wave, the end of the recovery and its timeline wait on it.
 */
const RECOVERY_FOLLOW_UP_MS = 1_000;
/** A check slower than this is logged with where its time went. */
const SLOW_CHECK_MS = 2_000;

export class ClusterMonitor {
  private readonly deps: ClusterMonitorDeps;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private ticking: Promise<void> | undefined;
  private readonly lastWrite = new Map<string, { text: string; at: number }>();
  /** The check of each cluster in progress: never two of one cluster at once. */
  private readonly checking = new Map<string, Promise<void>>();
  /** Follow-up checks of clusters in recovery, between probes. */
  private readonly followUps = new Map<string, NodeJS.Timeout>();

  constructor(deps: ClusterMonitorDeps) {
    this.deps = deps;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    for (const timer of this.followUps.values()) clearTimeout(timer);
    this.followUps.clear();
    this.deps.recovery.stop();
    await this.ticking;
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => {
      this.ticking = this.tick().finally(() => {
        if (this.running) this.schedule(this.deps.intervalMs);
      });
    }, delay);
    this.timer.unref();
  }

  /** One round over every Cluster; a failure of one is logged and does not stop the others. */
  async tick(): Promise<void> {
    let clusters: Cluster[];
    try {
      clusters = await listClusters(this.deps.cp);
    } catch (error) {
      this.deps.log.warn({}, `clusters not listed: ${errorMessage(error)}`);
      return;
    }
    await Promise.all(clusters.map((cluster) => this.checkOnce(cluster)));
  }

  /** Looks at one cluster again shortly (an attempt ended), whatever the probe interval. */
  checkSoon(name: string, delayMs = 0): void {
    if (!this.running || this.followUps.has(name)) return;
    const timer = setTimeout(async () => {
      this.followUps.delete(name);
      // A check in progress may have read the cluster before what this follow-up is for.
      await this.checking.get(name);
      if (!this.running) return;
      try {
        const cluster = await readCluster(this.deps.cp, name);
        if (cluster) await this.checkOnce(cluster);
      } catch (error) {
        this.deps.log.warn({ cluster: name }, `cluster not read: ${errorMessage(error)}`);
      }
    }, delayMs);
    timer.unref();
    this.followUps.set(name, timer);
  }

  /** A check, unless one of this cluster is already in progress (its result is as fresh). */
  private checkOnce(cluster: Cluster): Promise<void> {
    const name = cluster.metadata.name;
    const inProgress = this.checking.get(name);
    if (inProgress) return inProgress;
    const check = this.check(cluster)
      .catch((error) => this.deps.log.warn({ cluster: name }, `cluster check failed: ${errorMessage(error)}`))
      .finally(() => this.checking.delete(name));
    this.checking.set(name, check);
    return check;
  }

  private async check(cluster: Cluster): Promise<void> {
    if (!this.running) return;
    const name = cluster.metadata.name;
    const now = Date.now();
    const probe = await this.deps.destinations.probe(name);
    const probedAt = Date.now();
    const before = cluster.status ?? {};
    const { health, notes } = nextHealth(
      before.health,
      { ok: probe.ok, at: now, ...(probe.ok ? {} : { message: probe.message }) },
      healthSettings(cluster.spec.health),
    );
    const attemptedAt = new Date(now).toISOString();
    let status: ClusterStatus = {
      ...before,
      health,
      // lastSuccessAt: the last contact that worked, kept through failures.
      connection: probe.ok
        ? { status: 'Successful', attemptedAt, lastSuccessAt: attemptedAt }
        : {
            status: 'Failed',
            message: probe.message,
            attemptedAt,
            ...(before.connection?.lastSuccessAt ? { lastSuccessAt: before.connection.lastSuccessAt } : {}),
          },
      ...(probe.ok
        ? {
            serverVersion: probe.version,
            cacheInfo: { resourcesCount: probe.objects, apisCount: probe.kinds },
          }
        : {}),
    };
    const stepped = await this.deps.recovery.step(cluster, status, now);
    status = stepped.status;
    const steppedAt = Date.now();
    const appsHere = this.deps.apps().filter((a) => (a.spec.destination?.cluster ?? 'in-cluster') === name);
    status.applicationsCount = appsHere.length;
    const drifted = appsHere
      .filter((a) => a.status?.sync?.status === 'OutOfSync')
      .map((a) => a.metadata.name);
    status.conditions = clusterConditions(status, {
      hasPolicy: cluster.spec.recovery !== undefined,
      driftedApps: drifted,
      now: attemptedAt,
    });
    const results = this.deps.notificationResults?.(cluster);
    if (results) status.notifications = results;
    const notice = await this.deps.notify?.(cluster, status);
    if (notice?.notified) status.notified = notice.notified;
    await this.write(name, status, now);
    notice?.send();
    await stepped.release?.();
    const took = Date.now() - now;
    if (took > SLOW_CHECK_MS) {
      this.deps.log.debug(
        { cluster: name, probeMs: probedAt - now, recoveryMs: steppedAt - probedAt },
        `cluster check took ${took} ms`,
      );
    }
    // (A running attempt pokes the monitor itself when it ends: checkSoon.)
    if (status.recovery?.phase === RecoveryPhase.Bootstrapping)
      this.checkSoon(name, Math.min(RECOVERY_FOLLOW_UP_MS, this.deps.intervalMs));
    const all = [...notes, ...stepped.notes];
    for (const note of all) {
      this.deps.log[note.type === 'Warning' ? 'warn' : 'info'](
        { cluster: name, reason: note.reason },
        note.message,
      );
      void this.deps.recordEvent(cluster, note);
    }
    this.deps.metrics.observeCluster(
      name,
      status,
      all.map((n) => n.reason),
    );
    // The apps of a cluster that was lost or came back say so at once, not at their next poll.
    if (before.health?.phase !== health.phase || status.health?.phase !== health.phase) {
      for (const app of appsHere) this.deps.refresh(app.metadata.name);
    }
  }

  /** The whole status in one write (fields that ended must go, which a merge patch would keep). */
  private async write(name: string, status: ClusterStatus, now: number): Promise<void> {
    const text = JSON.stringify(status).replace(VOLATILE, '');
    const last = this.lastWrite.get(name);
    if (last && last.text === text && now - last.at < REFRESH_WRITE_MS) return;
    await this.deps.cp.rest.request('PATCH', tiphysPath(this.deps.cp.namespace, 'clusters', name, 'status'), {
      body: [{ op: 'add', path: '/status', value: status }],
      contentType: 'application/json-patch+json',
    });
    this.lastWrite.set(name, { text, at: now });
  }
}

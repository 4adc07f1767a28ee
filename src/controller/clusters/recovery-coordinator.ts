// Drives the recovery of lost clusters, one step per health probe: starts an incident, waits for
// an approval, runs an attempt in the background (recovery-attempt.ts; a hanging one is stopped
// by its timeout, the probes of other clusters go on), then syncs the apps that targeted the lost
// cluster wave by wave (recovery-bootstrap.ts).
import type { DestinationRegistry } from '../../adapters/control-plane/destination-registry.ts';
import type { EventNote } from '../../adapters/kube/event-recorder.ts';
import { freshHealth } from '../../core/cluster-health/health.ts';
import {
  actionDue,
  applyApproval,
  attemptFailed,
  attemptStarted,
  parseApproval,
  replacementAnswers,
  startIncident,
} from '../../core/cluster-health/recovery.ts';
import type { Application } from '../../core/model/application.ts';
import type { Cluster, ClusterStatus } from '../../core/model/cluster.ts';
import { ClusterPhase, type ClusterRecoveryStatus, RecoveryPhase } from '../../core/model/cluster-status.ts';
import type { ResolvedRecoveryAction } from '../../core/model/recovery-actions.ts';
import type { ControlPlane } from '../../domain/control-plane.ts';
import { errorMessage, type Logger } from '../log.ts';
import { failOverToStandby, type Outcome, type Run, replaceWithAction } from './recovery-attempt.ts';
import { type BootstrapStep, bootstrapReplacement } from './recovery-bootstrap.ts';

export interface RecoveryDeps {
  cp: ControlPlane;
  destinations: DestinationRegistry;
  /** The Applications as the controller's informer sees them. */
  apps: () => readonly Application[];
  actions: ReadonlyMap<string, ResolvedRecoveryAction>;
  refresh: (app: string) => void;
  /** An attempt ended: the cluster is looked at again now, not at the next probe. */
  onAttemptSettled?: (cluster: string) => void;
  log: Logger;
}

export class RecoveryCoordinator {
  private readonly deps: RecoveryDeps;
  private readonly running = new Map<string, Run>();

  constructor(deps: RecoveryDeps) {
    this.deps = deps;
  }

  /** Stops every action in flight (controller shutdown). */
  stop(): void {
    for (const run of this.running.values()) run.abort.abort(new Error('the controller stopped'));
  }

  /**
   * The recovery status after this probe, the Events of what changed, and what to do once the
   * status is written (`release`: the syncs of a bootstrap wave).
   */
  async step(
    cluster: Cluster,
    status: ClusterStatus,
    now: number,
  ): Promise<{ status: ClusterStatus; notes: EventNote[]; release?: BootstrapStep['release'] }> {
    const name = cluster.metadata.name;
    const notes: EventNote[] = [];
    const policy = cluster.spec.recovery;
    const health = status.health;
    let recovery = status.recovery;
    const note = (type: EventNote['type'], reason: string, message: string) =>
      notes.push({ type, reason, message });

    // Came back by itself before a replacement answered: nothing is replaced.
    if (health?.phase === ClusterPhase.Reachable && health.returnedAt && recovery && isOpen(recovery)) {
      this.running.get(name)?.abort.abort(new Error('the cluster came back by itself'));
      this.running.delete(name);
      recovery = {
        ...recovery,
        phase: RecoveryPhase.Cancelled,
        message: 'the cluster came back by itself; its apps are compared, not overwritten',
      };
      note('Normal', 'RecoveryCancelled', recovery.message ?? '');
      for (const app of this.appsOn(name)) this.deps.refresh(app);
      return { status: { ...status, recovery }, notes };
    }

    if (health?.phase === ClusterPhase.Lost && policy && health.lostAt) {
      const fresh = !recovery || (recovery.incident !== health.lostAt && !isActive(recovery));
      if (fresh) {
        recovery = startIncident(policy, health.lostAt);
        note(
          'Warning',
          recovery.phase === RecoveryPhase.AwaitingApproval ? 'RecoveryAwaitingApproval' : 'RecoveryStarted',
          recovery.message ?? '',
        );
      }
    }
    if (!recovery) return { status, notes };

    const approved = applyApproval(recovery, parseApproval(cluster.metadata.annotations));
    if (approved !== recovery) note('Normal', 'RecoveryApproved', approved.message ?? '');
    recovery = approved;

    if (recovery.phase === RecoveryPhase.Running) {
      const run = this.running.get(name);
      if (!run) {
        // The controller restarted during the attempt: the switch is one write, so nothing is half-done.
        recovery = this.failed(
          recovery,
          'the controller restarted during the attempt',
          now,
          policy?.action,
          notes,
        );
      } else if (run.outcome) {
        this.running.delete(name);
        if (run.output) recovery = { ...recovery, actionOutput: run.output };
        if (run.outcome.ok) {
          recovery = replacementAnswers(
            recovery,
            run.outcome.apps,
            Math.min(run.outcome.answeredAt, now),
            run.outcome.failoverTo,
          );
          const output = run.output ? `; the action reported: ${run.output}` : '';
          note('Normal', 'RecoveryClusterAnswers', `${recovery.message ?? ''}${output}`);
          const nextHealth = run.outcome.failoverTo ? health : freshHealth(now);
          return bootstrapReplacement(
            this.deps,
            name,
            { ...status, health: nextHealth, recovery },
            now,
            notes,
          );
        }
        recovery = this.failed(recovery, run.outcome.reason, now, policy?.action, notes);
      }
    }

    if (actionDue(recovery, now) && policy) {
      const action = policy.action ? this.deps.actions.get(policy.action) : undefined;
      if (!policy.action && !policy.failover) {
        recovery = {
          ...recovery,
          phase: RecoveryPhase.Failed,
          message: 'spec.recovery names neither an action nor a failover; nothing was run',
        };
        note('Warning', 'RecoveryFailed', recovery.message ?? '');
      } else if (policy.action && !action) {
        recovery = {
          ...recovery,
          phase: RecoveryPhase.Failed,
          message: `no recovery action "${policy.action}" is configured in the controller (--recovery-actions); nothing was run`,
        };
        note('Warning', 'RecoveryFailed', recovery.message ?? '');
      } else {
        recovery = { ...attemptStarted(recovery, now), actionOutput: undefined };
        note(
          'Normal',
          'RecoveryActionStarted',
          `${policy.action ? `action ${policy.action}` : 'failover'}: attempt ${recovery.attempts}`,
        );
        this.launch(cluster, action);
      }
    }

    if (recovery.phase === RecoveryPhase.Bootstrapping)
      return bootstrapReplacement(this.deps, name, { ...status, recovery }, now, notes);
    return { status: { ...status, recovery }, notes };
  }

  private failed(
    recovery: ClusterRecoveryStatus,
    reason: string,
    now: number,
    actionName: string | undefined,
    notes: EventNote[],
  ): ClusterRecoveryStatus {
    const action = actionName ? this.deps.actions.get(actionName) : undefined;
    const next = attemptFailed(recovery, reason, now, {
      maxAttempts: action?.maxAttempts ?? 1,
      backoffMs: action?.backoffMs ?? 30_000,
    });
    notes.push({ type: 'Warning', reason: 'RecoveryFailed', message: next.message ?? reason });
    return next;
  }

  /** Runs the attempt in the background; the next probe picks up its outcome. */
  private launch(cluster: Cluster, action: ResolvedRecoveryAction | undefined): void {
    const name = cluster.metadata.name;
    const run: Run = { abort: new AbortController() };
    this.running.set(name, run);
    const work = action
      ? replaceWithAction(this.deps.cp, cluster, action, run)
      : failOverToStandby(this.deps.cp, cluster);
    work
      .then(
        (outcome) => outcome,
        (error: unknown): Outcome => ({ ok: false, reason: errorMessage(error) }),
      )
      .then((outcome) => {
        run.outcome = outcome;
        const fields = { cluster: name, reason: outcome.ok ? 'RecoveryClusterAnswers' : 'RecoveryFailed' };
        if (outcome.ok) this.deps.log.info(fields, 'recovery attempt succeeded');
        else this.deps.log.warn(fields, `recovery attempt failed: ${outcome.reason}`);
        this.deps.onAttemptSettled?.(name);
      });
  }

  private appsOn(cluster: string): string[] {
    return this.deps
      .apps()
      .filter((a) => (a.spec.destination?.cluster ?? 'in-cluster') === cluster)
      .map((a) => a.metadata.name);
  }
}

/** A recovery that has not replaced anything yet (a return of the cluster cancels it). */
function isOpen(recovery: ClusterRecoveryStatus): boolean {
  const open: string[] = [
    RecoveryPhase.AwaitingApproval,
    RecoveryPhase.Pending,
    RecoveryPhase.Running,
    RecoveryPhase.Failed,
  ];
  return open.includes(recovery.phase);
}

/** Working on an incident: a new loss does not restart it. */
function isActive(recovery: ClusterRecoveryStatus): boolean {
  const active: string[] = [RecoveryPhase.Running, RecoveryPhase.Bootstrapping];
  return active.includes(recovery.phase);
}

// The ApplicationSet controller: a module of the controller process (it runs while this replica
// leads). Reconciles a set when it changes (spec or annotations: a rollout resume or abort), when
// one of its apps changes sync or health (the rollout moves on), and on the Git poll.
import type { ApplicationSetStore } from '../../adapters/control-plane/application-set-store.ts';
import { APPLICATION_SET_LABEL } from '../../core/appset/render-apps.ts';
import type { Application } from '../../core/model/application.ts';
import type { ApplicationSet } from '../../core/model/application-set.ts';
import { errorMessage } from '../log.ts';
import { WorkQueue } from '../work-queue.ts';
import { reconcileSet, type SetReconcileDeps } from './reconcile-set.ts';

/** A failed generation (Git down, say) is tried again this soon. */
const RETRY_AFTER_FAILURE_MS = 15_000;
/** A rollout waiting on apps also looks on a timer, in case an app event was missed. */
const ROLLING_RECHECK_MS = 10_000;
export const DEFAULT_MAX_APPLICATIONS_PER_SET = 5_000;

export class ApplicationSetController {
  readonly queue: WorkQueue;
  private readonly deps: SetReconcileDeps & { sets: ApplicationSetStore; pollIntervalMs: number };
  private readonly seen = new Map<string, string>();
  private readonly appOutcomes = new Map<string, string>();
  private active = false;

  constructor(deps: SetReconcileDeps & { pollIntervalMs: number }) {
    this.deps = deps;
    this.queue = new WorkQueue({
      concurrency: 2,
      handler: (name) => this.reconcileOne(name),
      onError: (name, error) =>
        deps.log.error({ applicationSet: name }, `reconcile failed: ${errorMessage(error)}`),
    });
  }

  async start(): Promise<void> {
    this.deps.sets.onChange((name, set) => {
      if (set === undefined) {
        this.seen.delete(name);
        this.queue.forget(name);
        return;
      }
      // Our own status writes come back as events: only spec and annotation changes count.
      const intent = JSON.stringify([set.metadata.generation, set.metadata.annotations]);
      if (this.seen.get(name) === intent) return;
      this.seen.set(name, intent);
      if (this.active) this.queue.add(name);
    });
    await this.deps.sets.start();
  }

  /** Called for every Application event: a generated app whose sync or health moved wakes its rolling set. */
  appChanged(name: string, app: Application | undefined): void {
    const set = app?.metadata.labels?.[APPLICATION_SET_LABEL];
    const outcome = app
      ? `${app.status?.sync?.status}/${app.status?.health?.status}/${app.metadata.generation}`
      : '';
    if (this.appOutcomes.get(name) === outcome) return;
    if (app) this.appOutcomes.set(name, outcome);
    else this.appOutcomes.delete(name);
    // Only a rollout waits on its apps; other sets refresh their apps' states on the poll, so
    // a thousand apps syncing do not regenerate (and ask Git) a thousand times.
    if (set && this.active && this.deps.sets.get(set)?.spec.strategy?.type === 'RollingSync')
      this.queue.add(set);
  }

  activate(): void {
    this.active = true;
    for (const set of this.deps.sets.list()) this.queue.add(set.metadata.name);
  }

  deactivate(): void {
    this.active = false;
  }

  refresh(name: string): void {
    if (this.active) this.queue.add(name);
  }

  async stop(): Promise<void> {
    this.active = false;
    this.queue.stop();
    await Promise.race([this.queue.idle(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    await this.deps.sets.stop();
  }

  private async reconcileOne(name: string): Promise<void> {
    if (!this.active) return;
    const set = this.deps.sets.get(name);
    if (!set || (set.metadata as { deletionTimestamp?: string }).deletionTimestamp) return;
    try {
      const outcome = await reconcileSet(this.deps, set);
      const next = outcome.failed
        ? RETRY_AFTER_FAILURE_MS
        : outcome.rolling
          ? ROLLING_RECHECK_MS
          : this.pollOf(set);
      this.queue.addAfter(name, Math.min(next, this.pollOf(set)));
    } catch (error) {
      this.queue.addAfter(name, RETRY_AFTER_FAILURE_MS);
      throw error;
    }
  }

  /** The Git poll, or the shortest requeueAfterSeconds a Git generator of the set asks for. */
  private pollOf(set: ApplicationSet): number {
    const asked = set.spec.generators
      .map((g) => g.git?.requeueAfterSeconds)
      .filter((s): s is number => typeof s === 'number' && s > 0)
      .map((s) => s * 1000);
    return Math.min(this.deps.pollIntervalMs, ...asked);
  }
}

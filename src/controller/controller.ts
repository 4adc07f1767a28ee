import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { type CacheDir, prepareCacheDir } from '../adapters/cache-dir.ts';
import { ChartStore } from '../adapters/charts/chart-store.ts';
import { ApplicationSetStore } from '../adapters/control-plane/application-set-store.ts';
import { ApplicationStore } from '../adapters/control-plane/application-store.ts';
import { DestinationRegistry } from '../adapters/control-plane/destination-registry.ts';
import { ImageObjects } from '../adapters/control-plane/image-objects.ts';
import { KindWatch } from '../adapters/control-plane/kind-watch.ts';
import { RepoCredentialStore } from '../adapters/control-plane/repo-credential-store.ts';
import { BranchPromoter } from '../adapters/git/branch-promotion.ts';
import { GitWriter } from '../adapters/git/commit-edit.ts';
import { GitRepoCache } from '../adapters/git/index.ts';
import { type EventNote, EventRecorder } from '../adapters/kube/event-recorder.ts';
import { KubeRest } from '../adapters/kube/rest.ts';
import { NotificationSettings } from '../adapters/notifications/settings.ts';
import { RenderCache, type RenderTools } from '../adapters/render/render.ts';
import type { HealthAssessor } from '../core/health/assessor.ts';
import { parseImageName } from '../core/image/reference.ts';
import type { Application } from '../core/model/application.ts';
import type { Cluster } from '../core/model/cluster.ts';
import { API_VERSION } from '../core/model/common.ts';
import type { ResolvedRecoveryAction } from '../core/model/recovery-actions.ts';
import { pushNames, type RegistryPush } from '../core/webhook/registry-event.ts';
import { FleetSources } from '../domain/application-sets/sources.ts';
import { listClusters } from '../domain/clusters.ts';
import { argoApplicationContext } from '../domain/comparison/argo-applications.ts';
import { ComparisonCache } from '../domain/comparison/compare.ts';
import { ComparisonService } from '../domain/comparison/comparison-service.ts';
import { GitManifestSource } from '../domain/comparison/source.ts';
import { AppChangeFilter } from './app-changes.ts';
import { ApplicationSetController, DEFAULT_MAX_APPLICATIONS_PER_SET } from './appset/appset-controller.ts';
import { ClusterMonitor } from './clusters/cluster-monitor.ts';
import { RecoveryCoordinator } from './clusters/recovery-coordinator.ts';
import { ImageAutomation } from './images/image-automation.ts';
import { LeaderElector } from './leader-election.ts';
import { errorMessage, type Logger, type LogOption, toLogger } from './log.ts';
import { ControllerMetrics } from './metrics.ts';
import { Notifier } from './notifications/notifier.ts';
import { PipelineLoop } from './promotion/pipeline-loop.ts';
import { RETRY_AFTER_FAILURE_MS, Reconciler } from './reconcile/reconciler.ts';
import { WorkQueue } from './work-queue.ts';

export interface ControllerOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  tools: RenderTools;
  /** Where Git mirrors and checkouts live (private to this user); default a fresh private folder. */
  cacheDir?: string;
  /** Applications may use file:// URLs and local paths (local development and tests only). */
  allowLocalRepos?: boolean;
  /** Polling of Git for every app (default 3 minutes), with ±10 % jitter. */
  pollIntervalMs?: number;
  /** Parallel reconciles (default 10). */
  concurrency?: number;
  /** Compete for the leader Lease (default true); false runs at once (tests, single replica). */
  leaderElection?: boolean;
  identity?: string;
  /** Namespaced mode: watch and manage only these namespaces of the control cluster. */
  namespaces?: string[];
  /** A pino logger (or any with its level methods); a plain function gets one line each. */
  log?: LogOption;
  /** How often every Pipeline is looked at (default 3 s): soaks and verification Jobs need a clock. */
  pipelineIntervalMs?: number;
  /** The installation's health checks (custom Lua and CEL ones, docs/health.md); built-in by default. */
  assessHealth?: HealthAssessor;
  /** The most Applications one ApplicationSet may generate (default 5,000). */
  maxApplicationsPerSet?: number;
  /** The administrator's recovery actions (`--recovery-actions`), by name; none by default. */
  recoveryActions?: ReadonlyMap<string, ResolvedRecoveryAction>;
  /** How often each registered cluster is probed (default 30 s). */
  clusterProbeIntervalMs?: number;
  /** Registries the image automation reaches over plain http (host:port; local development). */
  insecureRegistries?: string[];
  /** How often the image automation looks for due scans (default 5 s). */
  imageTickMs?: number;
}

/**
 * The GitOps controller: watches Applications, reconciles each one on change, on a timer and
 * when the live objects it tracks change (self-heal), and runs sync operations.
 */
export class Controller {
  readonly metrics = new ControllerMetrics();
  readonly apps: ApplicationStore;
  readonly queue: WorkQueue;
  readonly appSets: ApplicationSetController;
  private readonly setRest: KubeRest;
  private readonly destinations: DestinationRegistry;
  private readonly reconciler: Reconciler;
  private readonly elector: LeaderElector | undefined;
  private readonly pipelines: PipelineLoop;
  private readonly log: Logger;
  private readonly events: EventRecorder;
  readonly notifier: Notifier;
  private readonly eventRest: KubeRest;
  private readonly pollIntervalMs: number;
  private readonly clusters: ClusterMonitor;
  private readonly cacheDir: CacheDir;
  /** Which watch events reconcile (not the controller's own status writes): app-changes.ts. */
  private readonly changes = new AppChangeFilter();
  private active = false;
  /** Whether there are Pipelines and image objects: their loops tick only while there are. */
  private readonly kindWatches: KindWatch[];
  readonly images: ImageAutomation;
  private readonly imageObjects: ImageObjects;

  constructor(options: ControllerOptions) {
    this.log = toLogger(options.log);
    const identity = options.identity ?? `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    this.pollIntervalMs = options.pollIntervalMs ?? 180_000;
    this.cacheDir = prepareCacheDir(options.cacheDir, 'controller');
    const cacheDir = this.cacheDir.path;
    this.apps = new ApplicationStore(options.kubeConfig, options.namespace);
    const credentials = new RepoCredentialStore(options.kubeConfig, options.namespace);
    this.destinations = new DestinationRegistry(
      options.kubeConfig,
      options.namespace,
      () => (_type, _obj, app) => {
        // Self-heal: a change to a tracked object reconciles exactly its Application at once.
        if (app && this.active) this.queue.add(app, { urgent: true });
      },
      { inClusterNamespaces: options.namespaces },
    );
    this.queue = new WorkQueue({
      concurrency: options.concurrency ?? 10,
      handler: (name) => this.reconcileOne(name),
      onError: (name, error) => this.log.error({ app: name }, `reconcile failed: ${errorMessage(error)}`),
    });
    const git = new GitRepoCache({
      cacheDir: join(cacheDir, 'git'),
      allowLocalRepos: options.allowLocalRepos,
      log: (line) => this.log.debug({}, line),
    });
    this.metrics.trackGit(() => ({ ...git.stats }));
    this.metrics.trackApps(() => this.apps.list());
    this.eventRest = new KubeRest(options.kubeConfig);
    // Image automation: scans, tag choices and write-back commits (docs/images.md).
    this.imageObjects = new ImageObjects(this.eventRest, options.namespace);
    const watchKind = (plural: string) => new KindWatch(options.kubeConfig, options.namespace, plural);
    const imageKinds = ['imagerepositories', 'imagepolicies', 'imageupdaters'].map(watchKind);
    const pipelineKind = watchKind('pipelines');
    this.kindWatches = [...imageKinds, pipelineKind];
    this.images = new ImageAutomation({
      presence: imageKinds,
      objects: this.imageObjects,
      writeBack: {
        writer: new GitWriter({
          workDir: join(cacheDir, 'write-back'),
          allowLocalRepos: options.allowLocalRepos,
        }),
        credentialsFor: (url) => credentials.forUrl(url),
      },
      insecureRegistries: options.insecureRegistries,
      tickMs: options.imageTickMs,
      log: (message) => this.log.info({}, message),
      onError: (error) => this.log.warn({}, `image automation pass failed: ${errorMessage(error)}`),
    });
    this.setRest = new KubeRest(options.kubeConfig);
    const controlPlane = { rest: this.setRest, namespace: options.namespace };
    this.appSets = new ApplicationSetController({
      sets: new ApplicationSetStore(options.kubeConfig, options.namespace),
      apps: this.apps,
      rest: this.setRest,
      sources: () =>
        new FleetSources({
          git,
          credentialsFor: (url) => credentials.forUrl(url),
          listClusters: () => listClusters(controlPlane),
        }),
      log: this.log,
      allowLocalRepos: options.allowLocalRepos ?? false,
      maxApplications: options.maxApplicationsPerSet ?? DEFAULT_MAX_APPLICATIONS_PER_SET,
      pollIntervalMs: this.pollIntervalMs,
    });
    this.events = new EventRecorder(this.eventRest, { component: 'tiphys-controller', instance: identity });
    this.notifier = new Notifier({
      settings: new NotificationSettings(this.eventRest, options.namespace),
      fetchProject: (name) => this.apps.fetchProject(name),
      patchStatus: (name, status) => this.apps.patchStatus(name, status),
      recordEvent: (app, note) => this.recordEvent(app, note),
      metrics: this.metrics,
      log: this.log,
    });
    this.reconciler = new Reconciler({
      apps: this.apps,
      destinations: this.destinations,
      comparisons: new ComparisonService({
        source: new GitManifestSource({
          git,
          renderCache: new RenderCache(),
          tools: options.tools,
          credentialsFor: (url) => credentials.forUrl(url),
          projects: this.apps,
          charts: new ChartStore({
            cacheDir: join(cacheDir, 'charts'),
            credentialsFor: (location) => credentials.forChart(location),
          }),
        }),
        projects: this.apps,
        verdicts: new ComparisonCache(),
        argoApplications: argoApplicationContext({ rest: this.setRest, namespace: options.namespace }),
      }),
      metrics: this.metrics,
      log: this.log,
      recordEvent: (app, note) => this.recordEvent(app, note),
      allowLocalRepos: options.allowLocalRepos ?? false,
      assessHealth: options.assessHealth,
      notify: (stored, status) => this.notifier.evaluate(stored, status),
    });
    const cp = { rest: this.eventRest, namespace: options.namespace };
    const appList = () => this.apps.list();
    const refresh = (name: string) => this.refresh(name);
    this.clusters = new ClusterMonitor({
      cp,
      destinations: this.destinations,
      recovery: new RecoveryCoordinator({
        cp,
        destinations: this.destinations,
        apps: appList,
        actions: options.recoveryActions ?? new Map(),
        refresh,
        log: this.log,
      }),
      apps: appList,
      refresh,
      recordEvent: (cluster, note) => this.recordClusterEvent(cluster, note),
      metrics: this.metrics,
      log: this.log,
      intervalMs: options.clusterProbeIntervalMs ?? 30_000,
    });
    const gitCredentials = (url: string) => credentials.forUrl(url);
    this.pipelines = new PipelineLoop(
      {
        rest: this.eventRest,
        namespace: options.namespace,
        apps: (name) => this.apps.get(name),
        project: (name) => this.apps.fetchProject(name),
        destinations: this.destinations,
        git: {
          mirrors: git,
          writer: new GitWriter({
            workDir: join(cacheDir, 'write'),
            allowLocalRepos: options.allowLocalRepos,
          }),
          branches: new BranchPromoter({
            workDir: join(cacheDir, 'branches'),
            allowLocalRepos: options.allowLocalRepos,
          }),
          credentialsFor: gitCredentials,
        },
        refreshApp: (name) => this.refresh(name),
        log: this.log,
      },
      options.pipelineIntervalMs,
      pipelineKind,
    );
    if (options.leaderElection ?? true) {
      this.elector = new LeaderElector(options.kubeConfig, {
        namespace: options.namespace,
        name: 'tiphys-controller',
        identity,
        onStartedLeading: () => this.activate(),
        onStoppedLeading: () => this.deactivate(),
        log: (line) => this.log.info({}, line),
      });
    }
  }

  get isActive(): boolean {
    return this.active;
  }

  async start(): Promise<void> {
    this.apps.onDelete((app) => {
      if (this.active) void this.notifier.deleted(app);
    });
    this.apps.onChange((name, app) => {
      this.appSets.appChanged(name, app);
      if (!this.active) return;
      if (app === undefined) {
        this.queue.forget(name);
        this.changes.forget(name);
        return;
      }
      const change = this.changes.changed(app);
      // A change of what a person or CI controls (spec, operation, refresh annotation): urgent.
      if (change.reconcile) this.queue.add(name, { urgent: true });
      // Apps waiting on this one (dependsOn) look again when its sync or health changes.
      if (change.outcomeChanged) {
        this.pipelines.poke();
        for (const other of this.apps.list()) {
          if (other.spec.dependsOn?.includes(name)) this.queue.add(other.metadata.name);
        }
      }
    });
    await this.apps.start();
    await this.appSets.start();
    for (const watch of this.kindWatches) watch.start();
    if (this.elector) this.elector.start();
    else this.activate();
  }

  async stop(): Promise<void> {
    this.active = false;
    await this.clusters.stop();
    await this.pipelines.stop();
    await this.images.stop();
    await this.elector?.stop();
    this.queue.stop();
    await this.appSets.stop();
    // Let reconciles in flight finish (bounded), so nothing writes after stop returns.
    await Promise.race([this.queue.idle(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    await this.events.flush();
    this.eventRest.close();
    this.setRest.close();
    await this.apps.stop();
    await Promise.all(this.kindWatches.map((watch) => watch.stop()));
    await this.destinations.stop();
    this.cacheDir.remove();
  }

  /** Reconcile now, before the polls waiting (a person's refresh, a cluster recovered). */
  refresh(name: string): void {
    if (this.active) this.queue.add(name, { urgent: true });
  }

  /**
   * A push moved the repo and branch of these apps: each is reconciled in the ordinary lane, so
   * the syncs it starts (urgent, see ReconcileOutcome) go before the rest of the push's apps.
   */
  refreshPushed(names: readonly string[]): void {
    if (!this.active) return;
    for (const name of names) this.queue.add(name);
  }

  /**
   * A registry notification: scan the ImageRepositories it names at once (leader only). Returns
   * how many match; the notification's own tags are never used, the scan asks the registry.
   */
  async scanPushed(push: RegistryPush): Promise<number> {
    if (!this.active) return 0;
    const repos = await this.imageObjects.list('ImageRepository');
    const names = repos
      .filter((repo) => {
        try {
          const image = parseImageName(repo.spec.image);
          return push.images.some((pushed) => pushNames(pushed, image));
        } catch {
          return false;
        }
      })
      .map((repo) => repo.metadata.name);
    this.images.requestScan(names);
    return names.length;
  }

  private activate(): void {
    this.active = true;
    this.images.start();
    this.metrics.leader.set(1);
    for (const app of this.apps.list()) this.queue.add(app.metadata.name);
    this.appSets.activate();
    this.clusters.start();
    this.pipelines.start();
  }

  private deactivate(): void {
    this.active = false;
    void this.images.stop();
    this.appSets.deactivate();
    this.metrics.leader.set(0);
    void this.clusters.stop();
    void this.pipelines.stop();
  }

  private async reconcileOne(name: string): Promise<void> {
    if (!this.active) return;
    const stop = this.metrics.reconcileDuration.startTimer();
    try {
      const outcome = await this.reconciler.reconcile(name);
      this.metrics.reconciles.inc({ outcome: outcome.failure ? 'error' : 'ok' });
      // A terminal failure (bad spec, bad manifests, a project refusal) waits for a change of the
      // app (its watch event) or the next poll, like a success: retrying it cannot help.
      const jitter = 1 + (Math.random() * 0.2 - 0.1);
      this.queue.addAfter(name, outcome.requeueAfterMs ?? Math.round(this.pollIntervalMs * jitter), {
        urgent: outcome.urgent,
      });
    } catch (error) {
      this.metrics.reconciles.inc({ outcome: 'error' });
      // Not even the status could say it (the API server did not answer): try again shortly.
      this.queue.addAfter(name, RETRY_AFTER_FAILURE_MS);
      throw error;
    } finally {
      stop();
    }
  }

  /** An Event on a Cluster (lost, recovered, …); a failed write is logged. */
  private recordClusterEvent(cluster: Cluster, note: EventNote): Promise<void> {
    const about = {
      apiVersion: API_VERSION,
      kind: 'Cluster',
      namespace: this.apps.namespace,
      name: cluster.metadata.name,
      ...(cluster.metadata.uid ? { uid: cluster.metadata.uid } : {}),
    };
    return this.events.record(about, note).catch((error) => {
      this.log.warn(
        { cluster: cluster.metadata.name, reason: note.reason },
        `event not recorded: ${errorMessage(error)}`,
      );
    });
  }

  /** An Event on the Application; a failed write is logged, never fails the reconcile. */
  private recordEvent(app: Application, note: EventNote): Promise<void> {
    const about = {
      apiVersion: API_VERSION,
      kind: 'Application',
      namespace: this.apps.namespace,
      name: app.metadata.name,
      ...(app.metadata.uid ? { uid: app.metadata.uid } : {}),
    };
    return this.events.record(about, note).catch((error) => {
      this.log.warn(
        { app: app.metadata.name, reason: note.reason },
        `event not recorded: ${errorMessage(error)}`,
      );
    });
  }
}

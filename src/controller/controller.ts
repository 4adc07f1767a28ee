import { join } from 'node:path';
import { type CacheDir, prepareCacheDir } from '../adapters/cache-dir.ts';
import { ApplicationSetStore } from '../adapters/control-plane/application-set-store.ts';
import { ApplicationStore } from '../adapters/control-plane/application-store.ts';
import { DestinationRegistry } from '../adapters/control-plane/destination-registry.ts';
import { KindWatch } from '../adapters/control-plane/kind-watch.ts';
import { RepoCredentialStore } from '../adapters/control-plane/repo-credential-store.ts';
import { BranchPromoter } from '../adapters/git/branch-promotion.ts';
import { GitWriter } from '../adapters/git/commit-edit.ts';
import { GitRepoCache } from '../adapters/git/index.ts';
import { EventRecorder } from '../adapters/kube/event-recorder.ts';
import { KubeRest } from '../adapters/kube/rest.ts';
import { NotificationSettings } from '../adapters/notifications/settings.ts';
import { formatKey, keyOf } from '../core/manifest/key.ts';
import { type Application, withDefaults } from '../core/model/application.ts';
import { IN_CLUSTER } from '../core/model/common.ts';
import type { RegistryPush } from '../core/webhook/registry-event.ts';
import { FleetSources } from '../domain/application-sets/sources.ts';
import { listClusters } from '../domain/clusters.ts';
import { argoApplicationContext } from '../domain/comparison/argo-applications.ts';
import { ComparisonCache } from '../domain/comparison/compare.ts';
import { ComparisonService } from '../domain/comparison/comparison-service.ts';
import { manifestSourceFor } from '../domain/comparison/manifest-source-parts.ts';
import { assertSourcesPermitted } from '../domain/comparison/project-check.ts';
import { AppSchedule } from './app-schedule.ts';
import { ApplicationSetController, DEFAULT_MAX_APPLICATIONS_PER_SET } from './appset/appset-controller.ts';
import type { ClusterShards } from './cluster-shards.ts';
import { wireClusterMonitor } from './cluster-wiring.ts';
import type { ClusterMonitor } from './clusters/cluster-monitor.ts';
import type { ControllerOptions } from './controller-options.ts';
import type { ImageAutomation } from './images/image-automation.ts';
import { wireImageAutomation } from './images/image-wiring.ts';
import { LeaderElector } from './leader-election.ts';
import { errorMessage, type Logger, toLogger } from './log.ts';
import { ControllerMetrics } from './metrics.ts';
import { DeletionNotice } from './notifications/deletion-notice.ts';
import { Notifier } from './notifications/notifier.ts';
import { ObjectEvents } from './object-events.ts';
import { PipelineLoop } from './promotion/pipeline-loop.ts';
import { type PushTriageDeps, triagePush } from './push-triage.ts';
import { Reconciler } from './reconcile/reconciler.ts';
import { RepoPoll } from './repo-poll.ts';
import type { ShardMembership } from './shard-membership.ts';
import { leaseOptions, wireSharding } from './sharding-wiring.ts';
import type { WorkQueue } from './work-queue.ts';

export type { ControllerOptions } from './controller-options.ts';

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
  /** The one comparison chain, with the verdicts it keeps between reconciles. */
  private readonly comparisons: ComparisonService;
  private readonly elector: LeaderElector | undefined;
  /** Sharding: which clusters this replica reconciles (undefined: all of them). */
  readonly shards: ShardMembership | undefined;
  /** Sharding: the Clusters' servers (the shard keys) and the caches of clusters lost. */
  private readonly clusterShards: ClusterShards | undefined;
  private readonly clusterWatch: KindWatch | undefined;
  /** Between start and stop: with sharding, apps are reconciled whoever leads. */
  private running = false;
  private readonly pipelines: PipelineLoop;
  private readonly log: Logger;
  private readonly events: EventRecorder;
  private readonly objectEvents: ObjectEvents;
  readonly notifier: Notifier;
  private readonly eventRest: KubeRest;
  private readonly clusters: ClusterMonitor;
  private readonly cacheDir: CacheDir;
  /** When each app is reconciled: lanes, retries (app-schedule.ts). */
  private readonly schedule: AppSchedule;
  /** One poll per repository, queueing only the apps whose sources moved (repo-poll.ts). */
  readonly polls: RepoPoll;
  /** Which of a push's apps changed: Git lookups shared with the reconciles. */
  private readonly triage: PushTriageDeps;
  private active = false;
  /** When this replica last began acting (leading, or at once without leader election). */
  private activatedAt: number | undefined;
  /** Whether there are Pipelines and image objects: their loops tick only while there are. */
  private readonly kindWatches: KindWatch[];
  readonly images: ImageAutomation;

  constructor(options: ControllerOptions) {
    this.log = toLogger(options.log);
    const identity = options.identity ?? `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const pollIntervalMs = options.pollIntervalMs ?? 180_000;
    this.cacheDir = prepareCacheDir(options.cacheDir, 'controller');
    const cacheDir = this.cacheDir.path;
    this.apps = new ApplicationStore(options.kubeConfig, options.namespace, { watchProjects: true });
    const credentials = new RepoCredentialStore(options.kubeConfig, options.namespace);
    // Whether an app's project lets it read its sources: polls and push triage ask it before any
    // Git or registry request made on the app's account.
    const permits = (app: Application) =>
      assertSourcesPermitted(this.apps, withDefaults(app)).then(() => true);
    this.destinations = new DestinationRegistry(
      options.kubeConfig,
      options.namespace,
      () => (type, obj, app) => {
        // Self-heal: a change to a tracked object reconciles exactly its Application at once
        // (unless it is the echo of the app's own apply: app-schedule.ts).
        if (app)
          this.schedule.liveObjectChanged(app, {
            type,
            id: formatKey(keyOf(obj)),
            resourceVersion: obj.metadata.resourceVersion,
          });
      },
      { inClusterNamespaces: options.namespaces },
    );
    this.schedule = new AppSchedule({
      concurrency: options.concurrency ?? 10,
      reconcile: (name, options) => this.reconciler.reconcile(name, options),
      isActive: () => (this.shards ? this.running : this.active),
      owns: (name) => this.owns(name),
      ...(options.sharding ? { mayWrite: (name: string) => this.mayWrite(name) } : {}),
      apps: () => this.apps.list(),
      onOutcomeChanged: () => this.pipelines.poke(),
      hasSeen: (name, change) => this.comparisons.hasSeen(name, change.id, change.resourceVersion),
      metrics: this.metrics,
      log: this.log,
    });
    this.queue = this.schedule.queue;
    const git = new GitRepoCache({
      cacheDir: join(cacheDir, 'git'),
      allowLocalRepos: options.allowLocalRepos,
      checkouts: options.gitCheckouts,
      log: (line) => this.log.debug({}, line),
    });
    this.metrics.trackGit(() => ({ ...git.stats }));
    this.triage = {
      resolveRevision: (url, revision, creds) => git.resolveRevision(url, revision, creds),
      treeIds: (url, commit, paths, creds) => git.treeIds(url, commit, paths, creds),
      credentialsFor: (url) => credentials.forUrl(url),
      prefetch: (url, creds) => git.prefetch(url, creds),
      permits,
    };
    this.metrics.trackApps(() => this.apps.list());
    this.metrics.trackClusterCaches(() =>
      this.destinations.all().map((d) => ({ cluster: d.name, ...d.cache.info() })),
    );
    this.eventRest = new KubeRest(options.kubeConfig);
    const local = { allowLocalRepos: options.allowLocalRepos };
    const watchKind = (plural: string) => new KindWatch(options.kubeConfig, options.namespace, plural);
    const imageKinds = ['imagerepositories', 'imagepolicies', 'imageupdaters'].map(watchKind);
    const pipelineKind = watchKind('pipelines');
    this.kindWatches = [...imageKinds, pipelineKind];
    this.images = wireImageAutomation(options, {
      presence: imageKinds,
      rest: this.eventRest,
      cacheDir,
      credentialsFor: (url) => credentials.forUrl(url),
      apps: () => this.apps.list(),
      refresh: (name) => this.refresh(name),
      log: this.log,
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
      pollIntervalMs,
    });
    this.events = new EventRecorder(this.eventRest, { component: 'tiphys-controller', instance: identity });
    this.objectEvents = new ObjectEvents(this.events, options.namespace, this.log);
    const notificationSettings = new NotificationSettings(this.eventRest, options.namespace);
    this.notifier = new Notifier({
      settings: notificationSettings,
      fetchProject: (name) => this.apps.fetchProject(name),
      patchStatus: (name, status) => this.apps.patchStatus(name, status),
      recordEvent: (app, note) => this.objectEvents.onApp(app, note),
      metrics: this.metrics,
      log: this.log,
    });
    const manifests = manifestSourceFor({
      git,
      credentials,
      projects: this.apps,
      tools: options.tools,
      rest: this.setRest,
      namespace: options.namespace,
      cacheDir,
    });
    this.polls = new RepoPoll({
      intervalMs: pollIntervalMs,
      apps: () => this.apps.list(),
      permits,
      resolve: (source, revision) => manifests.resolveRevision(source, revision),
      moved: (names) => this.queuePushed(names),
      retry: (names) => this.schedule.refreshPushed(names),
      isActive: () => (this.shards ? this.running : this.active),
      log: this.log,
    });
    this.comparisons = new ComparisonService({
      source: manifests,
      projects: this.apps,
      verdicts: new ComparisonCache(),
      argoApplications: argoApplicationContext({ rest: this.setRest, namespace: options.namespace }),
    });
    this.reconciler = new Reconciler({
      apps: this.apps,
      destinations: this.destinations,
      comparisons: this.comparisons,
      metrics: this.metrics,
      log: this.log,
      recordEvent: (app, note) => this.objectEvents.onApp(app, note),
      allowLocalRepos: options.allowLocalRepos ?? false,
      assessHealth: options.assessHealth,
      notify: (stored, status) => this.notifier.evaluate(stored, status),
      reporter: () => {
        const since = this.shards ? this.shards.actingSince : this.activatedAt;
        return {
          instance: identity,
          ...(since === undefined ? {} : { actingSince: new Date(since).toISOString() }),
        };
      },
      deletionNotice: new DeletionNotice({
        subscribed: (app) => this.notifier.subscribedToDeletion(app),
        tell: (app) => this.notifier.tellDeletion(app),
        patch: (name, body) => this.apps.patch(name, body),
        patchStatus: (name, status) => this.apps.patchStatus(name, status),
        refresh: (name) => this.refresh(name),
        log: this.log,
      }),
    });
    this.clusters = wireClusterMonitor(options, {
      cp: { rest: this.eventRest, namespace: options.namespace },
      destinations: this.destinations,
      apps: () => this.apps.list(),
      refresh: (name) => this.refresh(name),
      notificationSettings,
      notifier: this.notifier,
      objectEvents: this.objectEvents,
      metrics: this.metrics,
      log: this.log,
    });
    this.pipelines = new PipelineLoop(
      {
        rest: this.eventRest,
        namespace: options.namespace,
        apps: (name) => this.apps.get(name),
        project: (name) => this.apps.fetchProject(name),
        destinations: this.destinations,
        git: {
          mirrors: git,
          writer: new GitWriter({ workDir: join(cacheDir, 'write'), ...local }),
          branches: new BranchPromoter({ workDir: join(cacheDir, 'branches'), ...local }),
          credentialsFor: (url) => credentials.forUrl(url),
        },
        refreshApp: (name) => this.refresh(name),
        log: this.log,
      },
      options.pipelineIntervalMs,
      pipelineKind,
    );
    if (options.sharding) {
      const sharding = wireSharding(options, identity, {
        metrics: this.metrics,
        destinations: this.destinations,
        requeue: () => this.schedule.all(),
        log: this.log,
      });
      this.shards = sharding.membership;
      this.clusterShards = sharding.shards;
      this.clusterWatch = sharding.clusterWatch;
    }
    if (options.leaderElection ?? true) {
      this.elector = new LeaderElector(options.kubeConfig, {
        namespace: options.namespace,
        name: 'tiphys-controller',
        identity,
        ...leaseOptions(options),
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
      this.schedule.appChanged(name, app);
      if (app) this.polls.watch(app);
    });
    // Projects come from a watch (watched-projects.ts): the apps of one that changed look again,
    // so a refusal by its previous version is lifted, and a new refusal is said, without a poll.
    this.apps.onProjectChange((projects) => {
      const names = this.apps
        .list()
        .filter((app) => projects.includes(app.spec.project || 'default'))
        .map((app) => app.metadata.name);
      this.schedule.refreshPushed(names);
    });
    await this.apps.start();
    await this.appSets.start();
    for (const watch of this.kindWatches) watch.start();
    this.running = true;
    this.clusterWatch?.start();
    this.shards?.start();
    if (this.elector) this.elector.start();
    else this.activate();
  }

  async stop(): Promise<void> {
    this.active = false;
    this.running = false;
    await this.shards?.stop();
    this.clusterShards?.stop();
    await this.clusterWatch?.stop();
    await this.clusters.stop();
    await this.pipelines.stop();
    await this.images.stop();
    await this.elector?.stop();
    this.queue.stop();
    this.polls.stop();
    await this.appSets.stop();
    // Let reconciles in flight finish (bounded), so nothing writes after stop returns.
    await Promise.race([this.queue.idle(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    // Deliveries waiting in the queue end as not sent (a deletion's notice is then tried again by
    // the next controller); the one being sent finishes its attempt.
    this.notifier.stop();
    await this.events.flush();
    this.eventRest.close();
    this.setRest.close();
    await this.apps.stop();
    await Promise.all(this.kindWatches.map((watch) => watch.stop()));
    await this.destinations.stop();
    this.cacheDir.remove();
  }

  /** Whether this replica reconciles the app: always, unless sharding gave its cluster to another. */
  private owns(name: string): boolean {
    if (!this.clusterShards) return true;
    const app = this.apps.get(name);
    // An app not seen yet is looked at again when its watch event arrives.
    return app ? this.clusterShards.owns(app.spec.destination.cluster || IN_CLUSTER) : false;
  }

  /** Whether a write for the app may go out now: it is this replica's and its Lease is fresh. */
  private mayWrite(name: string): boolean {
    return this.owns(name) && (this.shards?.acting() ?? true);
  }

  /** Reconcile now, before the polls waiting (a person's refresh, a cluster recovered). */
  refresh(name: string): void {
    this.schedule.refresh(name);
  }

  /**
   * A push moved these apps' repo and branch: the apps whose folder changed are reconciled in
   * the urgent lane, the others in the ordinary one (push-triage.ts, app-schedule.ts).
   */
  refreshPushed(names: readonly string[]): void {
    if (this.active) this.queuePushed(names);
  }

  /** Triage then queue (polls call it on every replica that runs: sharding). */
  private queuePushed(names: readonly string[]): void {
    const apps = names.flatMap((name) => this.apps.get(name) ?? []);
    // The triage lists the remote after this moment: the apps' reconciles can use its listing.
    const pushedAt = Date.now();
    void triagePush(apps, this.triage).then(
      (lanes) => {
        const urgent = new Set([...lanes].filter(([, lane]) => lane === 'urgent').map(([name]) => name));
        this.schedule.refreshPushed(names, urgent, pushedAt);
      },
      (error: unknown) => {
        this.log.warn({}, `push triage failed, every app in the ordinary lane: ${errorMessage(error)}`);
        this.schedule.refreshPushed(names, new Set(), pushedAt);
      },
    );
  }

  /** A registry notification: scan the ImageRepositories it names (leader only); how many. */
  async scanPushed(push: RegistryPush): Promise<number> {
    return this.active ? this.images.scanPushed(push) : 0;
  }

  private activate(): void {
    this.active = true;
    this.activatedAt = Date.now();
    this.images.start();
    this.metrics.leader.set(1);
    // With sharding the apps were queued by the shard membership, whoever leads.
    if (!this.shards) this.schedule.all();
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
}

// The one chain that turns an Application into "what Git says against what the cluster has":
// resolve → render → prepare → project check → load live → compare. The controller runs it as
// steps of its reconcile; `tiphys app diff` and the API's manifests and diff routes run it
// whole. One implementation, so none of them can skip the project check or compare differently.

import type { IgnoreDifference } from '../../core/diff/types.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import { joinRevisions, splitRevisions } from '../../core/model/app-sources.ts';
import type { ResolvedApplication } from '../../core/model/application.ts';
import { recordedObjects } from '../../core/sync/inventory.ts';
import { withApplied } from './after-sync.ts';
import { type ArgoApplicationContext, convertArgoApplications } from './argo-applications.ts';
import { type Comparison, ComparisonCache, compareResources, recordApplied } from './compare.ts';
import { type DesiredObject, prepareDesired, watchPreviousKinds } from './desired-state.ts';
import { ClusterUnreachableError, SourceRevisionError } from './errors.ts';
import type { ComparisonTarget, ManifestSource, ProjectSource } from './ports.ts';
import { assertProjectPermits, assertSourcesPermitted } from './project-check.ts';

const PERMITTED: unique symbol = Symbol('permitted by the project');

/**
 * The completed objects of one render, which only `desired` makes: holding one means the
 * project has permitted every object in it.
 */
export interface DesiredState {
  readonly revision: string;
  readonly objects: readonly DesiredObject[];
  readonly [PERMITTED]: true;
}

/** A comparison and the live objects it was made against (a sync plans from both). */
export interface AppComparison {
  desired: DesiredState;
  comparison: Comparison;
  /** The live objects the app tracks (prune candidates). */
  tracked: KubeObject[];
}

export interface CompareOptions {
  /**
   * Whose cached verdicts to use; default the app's name. A comparison of another revision
   * than the target (a running operation's) keeps its own so the two do not evict each other.
   */
  scope?: string;
  /** Default the app's `ignoreDifferences`. */
  ignoreDifferences?: readonly IgnoreDifference[];
}

export interface ComparisonDeps {
  source: ManifestSource;
  projects: ProjectSource;
  /** Dry-run verdicts kept between comparisons; without it each comparison starts afresh. */
  verdicts?: ComparisonCache;
  /** Where Argo CD Applications of an app of apps go; without it they are applied as written. */
  argoApplications?: ArgoApplicationContext;
}

export class ComparisonService {
  private readonly source: ManifestSource;
  private readonly projects: ProjectSource;
  private readonly verdicts: ComparisonCache | undefined;
  private readonly argoApplications: ArgoApplicationContext | undefined;

  constructor(deps: ComparisonDeps) {
    this.source = deps.source;
    this.projects = deps.projects;
    this.verdicts = deps.verdicts;
    this.argoApplications = deps.argoApplications;
  }

  /**
   * The commit a revision points at now (default the app's target revision). An app of several
   * sources resolves each source's (given: one per source, `REV1;REV2`, as its history records
   * them) into one revision naming all of them, so a rollback restores every source.
   */
  async resolve(
    app: ResolvedApplication,
    revision?: string,
    options: { listedSince?: number } = {},
  ): Promise<string> {
    await assertSourcesPermitted(this.projects, app);
    const sources = app.spec.sources;
    if (!sources)
      return this.source.resolveRevision(
        app.spec.source,
        revision ?? app.spec.source.targetRevision,
        options,
      );
    let wanted: string[];
    try {
      wanted =
        revision === undefined
          ? sources.map((s) => s.targetRevision)
          : splitRevisions(revision, sources.length);
    } catch (error) {
      throw new SourceRevisionError(`application ${app.metadata.name}: ${(error as Error).message}`);
    }
    return joinRevisions(
      await Promise.all(sources.map((s, i) => this.source.resolveRevision(s, wanted[i], options))),
    );
  }

  /**
   * The app's objects at a commit, completed as they will be applied (namespaces defaulted by
   * discovery, tracking annotation set) and checked against the project, hooks included. Throws
   * ProjectViolationError naming every refused object: nothing of a refused render is returned.
   */
  async desired(app: ResolvedApplication, commit: string, target: ComparisonTarget): Promise<DesiredState> {
    assertReachable(target);
    await assertSourcesPermitted(this.projects, app);
    target.serverVersion ??= await target.client.serverVersion();
    const rendered = await convertArgoApplications(
      await this.source.render(app, commit, target.serverVersion),
      this.argoApplications,
    );
    const objects = await prepareDesired(rendered, app.metadata.name, app.spec.destination.namespace, target);
    await assertProjectPermits(this.projects, app, objects);
    return { revision: commit, objects, [PERMITTED]: true };
  }

  /**
   * Compares permitted desired objects with the live objects the app tracks: a server-side dry
   * run of each existing object, normalised on both sides. A destination whose watch broke is
   * refused rather than compared with what it was.
   */
  async compare(
    app: ResolvedApplication,
    desired: DesiredState,
    target: ComparisonTarget,
    options: CompareOptions = {},
  ): Promise<AppComparison> {
    assertReachable(target);
    // Kinds the app had at its last reconcile are watched, so objects of a kind Git no longer
    // has are still found (and pruned) after a restart.
    await watchPreviousKinds(target, app.status?.resources);
    // Only objects the app recorded as its own (or that name it and were never recorded by
    // another) are prune candidates: see core/sync/inventory.ts.
    const tracked = recordedObjects(app.status, target.cache.trackedBy(app.metadata.name));
    const comparison = await compareResources(
      options.scope ?? app.metadata.name,
      desired.objects,
      tracked,
      target,
      options.ignoreDifferences ?? app.spec.ignoreDifferences ?? [],
      this.verdicts ?? new ComparisonCache(),
    );
    return { desired, comparison, tracked };
  }

  /**
   * The whole chain at the target revision: what `app diff` and the API show. With `revision`
   * (a branch under review), the same chain at that revision of the app's repository: a preview
   * of what merging it would change. Nothing is written either way; the verdicts of a preview are
   * kept apart so they do not replace the target's.
   */
  async compareApp(
    app: ResolvedApplication,
    target: ComparisonTarget,
    options: { revision?: string } = {},
  ): Promise<AppComparison> {
    const desired = await this.desired(app, await this.resolve(app, options.revision), target);
    if (options.revision === undefined) return this.compare(app, desired, target);
    return this.compare(app, desired, target, { scope: `${app.metadata.name}\u0000preview` });
  }

  /** A real apply's result becomes the object's verdict (Synced), saving a dry run next time. */
  recordApplied(app: ResolvedApplication, item: DesiredObject, result: KubeObject): void {
    if (!this.verdicts) return;
    recordApplied(this.verdicts, app.metadata.name, item, app.spec.ignoreDifferences ?? [], result);
  }

  /**
   * The comparison right after a sync at the target revision: the objects the sync applied are
   * taken as its applies returned them (after-sync.ts), and their verdicts were recorded by
   * `recordApplied`, so the app reports Synced in the sync's own status write, with no dry run.
   */
  compareAfterSync(
    app: ResolvedApplication,
    desired: DesiredState,
    target: ComparisonTarget,
    applied: ReadonlyMap<string, KubeObject>,
  ): Promise<AppComparison> {
    return this.compare(app, desired, withApplied(target, applied));
  }

  /**
   * Whether the app's last comparison or apply already saw this version of the object (its
   * verdict is for that resourceVersion): a watch event of it, such as the echo of the app's own
   * apply, brings nothing to compare.
   */
  hasSeen(appName: string, id: string, resourceVersion: string | undefined): boolean {
    if (!this.verdicts || !resourceVersion) return false;
    return this.verdicts.get(appName, id)?.liveVersion === resourceVersion;
  }

  /** Drops what is remembered of a deleted app. */
  forgetApp(name: string): void {
    this.verdicts?.forgetApp(name);
  }
}

/** A destination whose watch broke is stale: say so rather than compare with what it was. */
function assertReachable(target: ComparisonTarget): void {
  const broken = target.cache.info().lastError;
  if (broken) {
    throw new ClusterUnreachableError(`cluster ${target.name} (${target.server}) is unreachable: ${broken}`);
  }
}

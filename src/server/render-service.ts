// The desired side of an Application for the manifests and diff endpoints: resolve the target
// revision, render, complete the objects the way the controller does, and compare them with the
// live objects. Git mirrors and renders are cached for the server's lifetime, so a second look
// at the same commit costs no clone and no render.
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  type Destination,
  DestinationNotFoundError,
  type DestinationRegistry,
} from '../adapters/control-plane/destination-registry.ts';
import { RepoCredentialStore } from '../adapters/control-plane/repo-credential-store.ts';
import { GitRepoCache } from '../adapters/git/index.ts';
import { KubeApiError, type KubeRest } from '../adapters/kube/rest.ts';
import { RenderCache, type RenderTools } from '../adapters/render/render.ts';
import { type AppDiff, appDiffOf } from '../controller/app-diff.ts';
import {
  type Comparison,
  ComparisonCache,
  compareResources,
  type ResourceComparison,
} from '../controller/reconcile/compare.ts';
import {
  type DesiredObject,
  prepareDesired,
  watchPreviousKinds,
} from '../controller/reconcile/desired-state.ts';
import {
  assertProjectPermits,
  type ProjectSource,
  ProjectViolationError,
} from '../controller/reconcile/project-check.ts';
import { renderSource, resolveRevision, type SourceDeps } from '../controller/reconcile/source.ts';
import { keyOf } from '../core/manifest/key.ts';
import type { AppProject } from '../core/model/app-project.ts';
import { type Application, withDefaults } from '../core/model/application.ts';
import { HttpError } from './http-error.ts';
import type { Visibility } from './visibility.ts';

export interface DesiredState {
  revision: string;
  objects: DesiredObject[];
  destination: Destination;
}

export class RenderService {
  private readonly deps: SourceDeps;
  private readonly destinations: DestinationRegistry;
  private readonly projects: ProjectSource;

  constructor(options: {
    kubeConfig: KubeConfig;
    namespace: string;
    /** Reads of the control cluster (AppProjects). */
    rest: KubeRest;
    destinations: DestinationRegistry;
    tools: RenderTools;
    /** A private folder (the door prepares it: see adapters/cache-dir.ts). */
    cacheDir: string;
    allowLocalRepos?: boolean;
  }) {
    const credentials = new RepoCredentialStore(options.kubeConfig, options.namespace);
    this.destinations = options.destinations;
    const rest = options.rest;
    const projectsPath = `/apis/tiphys.dev/v1alpha1/namespaces/${encodeURIComponent(options.namespace)}/appprojects`;
    this.projects = {
      fetchProject: (name) =>
        rest.request<AppProject>('GET', `${projectsPath}/${encodeURIComponent(name)}`).catch((error) => {
          if ((error as { status?: number }).status === 404) return undefined;
          throw error;
        }),
    };
    this.deps = {
      git: new GitRepoCache({
        cacheDir: join(options.cacheDir, 'git'),
        allowLocalRepos: options.allowLocalRepos,
      }),
      renderCache: new RenderCache(),
      tools: options.tools,
      credentialsFor: (url) => credentials.forUrl(url),
      remoteSourcesFor: async (app) =>
        (await this.projects.fetchProject(app.spec.project))?.spec.sourceRepos ?? [],
    };
  }

  /** The rendered objects of the app's target revision, completed as the controller applies them. */
  desired(stored: Application): Promise<DesiredState> {
    return upstream(() => this.render(stored));
  }

  private async render(stored: Application): Promise<DesiredState> {
    const app = withDefaults(stored);
    const destination = await this.destinations.get(app.spec.destination.cluster);
    const revision = await resolveRevision(
      this.deps,
      app.spec.source.repoURL,
      app.spec.source.targetRevision,
    );
    const rendered = await renderSource(this.deps, app, revision, await destination.client.serverVersion());
    const objects = await prepareDesired(
      rendered.objects,
      app.metadata.name,
      app.spec.destination.namespace,
      destination,
    );
    // Nothing is dry-run or shown of a render the project refuses (409, see upstream).
    await assertProjectPermits(this.projects, app, objects);
    return { revision, objects, destination };
  }

  /**
   * What a sync would change, compared as the controller compares (server-side dry run), shown
   * as `visibility` allows: an object the app does not own is shown as one to create (neither
   * the live object nor the dry run merged with it is shown), one its project does not permit
   * not at all.
   */
  diff(stored: Application, visibility: Visibility): Promise<AppDiff> {
    return upstream(() => this.compare(stored, visibility));
  }

  private async compare(stored: Application, visibility: Visibility): Promise<AppDiff> {
    const { revision, objects, destination } = await this.render(stored);
    const name = stored.metadata.name;
    await watchPreviousKinds(destination, stored.status?.resources);
    const comparison = await compareResources(
      name,
      objects,
      destination.cache.trackedBy(name),
      destination,
      withDefaults(stored).spec.ignoreDifferences ?? [],
      new ComparisonCache(),
    );
    return appDiffOf(revision, visibleComparison(comparison, visibility));
  }
}

function visibleComparison(comparison: Comparison, visibility: Visibility): Comparison {
  const resources = comparison.resources.flatMap((entry) => {
    const key = entry.desired?.key ?? (entry.live ? keyOf(entry.live) : undefined);
    if (!key || !visibility.permits(key)) return [];
    if (!entry.live || visibility.owns(entry.live)) return [entry];
    if (!entry.desired) return [];
    const asMissing: ResourceComparison = {
      ...entry,
      live: undefined,
      predicted: undefined,
      status: 'OutOfSync',
      message: 'missing from the cluster',
    };
    return [asMissing];
  });
  return { ...comparison, resources };
}

/**
 * Git, the renderers and the destination cluster are upstream of the request. A failure no retry
 * can fix (an invalid repository URL, a chart that does not render, a missing revision) is in
 * the app's spec or its repository: 409, the app must change. Others (a repo that does not
 * answer) are a 502. Neither is a 500, and neither is the request's fault.
 */
async function upstream<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof HttpError || error instanceof KubeApiError) throw error;
    if (error instanceof DestinationNotFoundError) throw new HttpError(404, error.message);
    // The project refuses what the app renders: the app must change; its content is not shown.
    if (error instanceof ProjectViolationError) throw new HttpError(409, error.message, { cause: error });
    const message = error instanceof Error ? error.message : String(error);
    const terminal = (error as { terminal?: unknown }).terminal === true;
    throw new HttpError(terminal ? 409 : 502, `cannot render the application: ${message}`, { cause: error });
  }
}

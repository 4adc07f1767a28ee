// The desired side of an Application for the manifests and diff endpoints, computed by the
// controller's comparison service (resolve, render, complete, project check, dry-run compare).
// Git mirrors and renders are cached for the server's lifetime, so a second look at the same
// commit costs no clone and no render.

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
import type { RenderTools } from '../adapters/render/render.ts';
import { keyOf } from '../core/manifest/key.ts';
import type { AppProject } from '../core/model/app-project.ts';
import { type Application, withDefaults } from '../core/model/application.ts';
import type { Visibility } from '../domain/app-objects/visibility.ts';
import { type AppDiff, appDiffOf } from '../domain/comparison/app-diff.ts';
import { argoApplicationContext } from '../domain/comparison/argo-applications.ts';
import type { Comparison, ResourceComparison } from '../domain/comparison/compare.ts';
import { ComparisonService, type DesiredState } from '../domain/comparison/comparison-service.ts';
import { ProjectViolationError } from '../domain/comparison/errors.ts';
import { manifestSourceFor } from '../domain/comparison/manifest-source-parts.ts';
import type { ProjectSource } from '../domain/comparison/ports.ts';
import { HttpError } from './http-error.ts';

export interface RenderedApp {
  desired: DesiredState;
  destination: Destination;
}

export class RenderService {
  private readonly comparisons: ComparisonService;
  private readonly destinations: DestinationRegistry;

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
    const projects = projectReader(options.rest, options.namespace);
    this.destinations = options.destinations;
    this.comparisons = new ComparisonService({
      source: manifestSourceFor({
        git: new GitRepoCache({
          cacheDir: join(options.cacheDir, 'git'),
          allowLocalRepos: options.allowLocalRepos,
        }),
        credentials,
        projects,
        tools: options.tools,
        rest: options.rest,
        namespace: options.namespace,
        cacheDir: options.cacheDir,
      }),
      projects,
      argoApplications: argoApplicationContext({ rest: options.rest, namespace: options.namespace }),
    });
  }

  /** The app's target revision rendered, completed and permitted by its project. */
  desired(stored: Application): Promise<RenderedApp> {
    return upstream(async () => {
      const app = withDefaults(stored);
      const destination = await this.destinations.get(app.spec.destination.cluster);
      const desired = await this.comparisons.desired(app, await this.comparisons.resolve(app), destination);
      return { desired, destination };
    });
  }

  /**
   * What a sync would change, compared as the controller compares (server-side dry run), shown
   * as `visibility` allows: an object the app does not own is shown as one to create (neither
   * the live object nor the dry run merged with it is shown), one its project does not permit
   * not at all. With `revision`, the same at that revision of the app's repository: a preview of
   * a branch before it is merged, which changes nothing.
   */
  diff(stored: Application, visibility: Visibility, revision?: string): Promise<AppDiff> {
    return upstream(async () => {
      const app = withDefaults(stored);
      const destination = await this.destinations.get(app.spec.destination.cluster);
      const { desired, comparison } = await this.comparisons.compareApp(app, destination, { revision });
      return appDiffOf(desired.revision, visibleComparison(comparison, visibility));
    });
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

function projectReader(rest: KubeRest, namespace: string): ProjectSource {
  const base = `/apis/tiphys.dev/v1alpha1/namespaces/${encodeURIComponent(namespace)}/appprojects`;
  return {
    fetchProject: (name) =>
      rest.request<AppProject>('GET', `${base}/${encodeURIComponent(name)}`).catch((error) => {
        if ((error as { status?: number }).status === 404) return undefined;
        throw error;
      }),
  };
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

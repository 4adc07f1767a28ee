// What the comparison needs of the world, as small interfaces: the controller and the API server
// pass their destinations, Git mirror and AppProject reads; unit tests pass fakes.
import type { ResourceInfo } from '../../adapters/kube/discovery.ts';
import type { ResourceKey } from '../../core/manifest/key.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import type { AppProject } from '../../core/model/app-project.ts';
import type { ResolvedApplication } from '../../core/model/application.ts';

/** The live side of a destination: a list + watch cache of the kinds asked for. */
export interface LiveState {
  /** Starts watching a kind (once); resolves with its scope, or undefined when it is not served. */
  watch(apiVersion: string, kind: string): Promise<ResourceInfo | undefined>;
  get(key: ResourceKey): KubeObject | undefined;
  /** The live objects whose tracking annotation names the app. */
  trackedBy(appName: string): KubeObject[];
  /**
   * Throws when the controller does not manage that namespace (namespaced mode; `undefined`: a
   * cluster-scoped object), so an object there is refused by name instead of looking missing.
   */
  assertWatched(kind: string, namespace: string | undefined): void;
  /** `lastError` is set while a watch is broken: the cache is stale. */
  info(): { lastError?: string };
}

/** Asks the destination's API server what an apply would make of an object, changing nothing. */
export interface DryRunner {
  apply(obj: KubeObject, options: { dryRun: true; force: true }): Promise<KubeObject>;
  /** For Validate=false objects, which a server-side apply would refuse for unknown fields. */
  replaceOrCreate(obj: KubeObject, options: { dryRun: true; validate: false }): Promise<KubeObject>;
  serverVersion(): Promise<string>;
  /** The object as the API server has it (undefined when gone): caches keep less of it. */
  read(obj: KubeObject): Promise<KubeObject | undefined>;
}

/** A destination cluster as the comparison sees it; the adapters' Destination is one. */
export interface ComparisonTarget {
  name: string;
  server: string;
  /** Filled in on first use: renders (Helm's capabilities) depend on it. */
  serverVersion?: string;
  client: DryRunner;
  cache: LiveState;
}

export interface ProjectSource {
  fetchProject(name: string): Promise<AppProject | undefined>;
}

/**
 * Where manifests come from: a revision resolved to a commit (a chart's to `VERSION@sha256:…`),
 * and the app's render at it.
 */
export interface ManifestSource {
  /** `listedSince`: a Git listing started at or after this time (epoch ms) is recent enough. */
  resolveRevision(
    source: { repoURL: string; chart?: string },
    revision: string,
    options?: { listedSince?: number },
  ): Promise<string>;
  render(app: ResolvedApplication, commit: string, kubeVersion: string | undefined): Promise<KubeObject[]>;
}

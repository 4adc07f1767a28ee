import type { KubeObject } from '../../core/manifest/object.ts';

export interface JsonnetVar {
  name: string;
  value: string;
  /** The value is Jsonnet code, not a string. */
  code?: boolean;
}

export interface JsonnetOptions {
  tlas?: JsonnetVar[];
  extVars?: JsonnetVar[];
  /** Library folders, relative to the repository root (e.g. a jsonnet-bundler `vendor`). */
  libs?: string[];
}

export interface DirectoryOptions {
  recurse?: boolean;
  /** How .jsonnet files of the directory are evaluated. */
  jsonnet?: JsonnetOptions;
  /** Glob relative to the app path; a pattern without `/` matches a file name at any depth. */
  include?: string;
  exclude?: string;
}

export interface KustomizeOptions {
  namePrefix?: string;
  nameSuffix?: string;
  /** Argo CD syntax: `[old=]new[:tag|@digest]`, e.g. `nginx:1.27` or `nginx=registry/nginx:1.27`. */
  images?: string[];
  commonLabels?: Record<string, string>;
  commonAnnotations?: Record<string, string>;
  namespace?: string;
}

export interface HelmParameter {
  name: string;
  value: string;
  forceString?: boolean;
}

export interface HelmOptions {
  /** Paths relative to the chart directory; they must stay inside the repository. */
  valueFiles?: string[];
  /** Inline values YAML, applied after the value files. */
  values?: string;
  parameters?: HelmParameter[];
  releaseName?: string;
}

export interface RenderSource {
  directory?: DirectoryOptions;
  kustomize?: KustomizeOptions;
  helm?: HelmOptions;
}

export interface RenderTools {
  helm: string;
  kustomize: string;
  /** tiphys-jsonnet (testbed/go/jsonnet); default: found like the others. */
  jsonnet?: string;
}

export interface RenderRequest {
  /** Root of the checkout. */
  repoDir: string;
  /** The app's path inside the repository ('' or '.' for the root). */
  path: string;
  source: RenderSource;
  appName: string;
  /** Destination namespace. */
  namespace?: string;
  /** Destination cluster's version, e.g. 'v1.36.3'. */
  kubeVersion?: string;
  tools: RenderTools;
  timeoutMs?: number;
  /**
   * Patterns of the remote sources a render may fetch (the project's sourceRepos): Kustomize
   * remote bases and files. Default none.
   */
  remoteSources?: readonly string[];
  /**
   * Checkouts of an app's ref sources by ref name (`spec.sources[].ref`): helm value files
   * `$REF/path` are read there, inside that checkout only.
   */
  valueRefs?: Readonly<Record<string, string>>;
}

export type RendererName = 'directory' | 'kustomize' | 'helm';

export interface RenderResult {
  renderer: RendererName;
  objects: KubeObject[];
  /** Remote sources the render fetched (Kustomize remote bases), as written. */
  remoteSources?: string[];
  /**
   * The render read only regular files under the app path: the same Git tree of that path
   * renders the same at any commit (render caches may key it by the tree instead).
   */
  selfContained?: boolean;
}

/** What a renderer gets once the app path has been checked. */
export interface ResolvedRequest extends RenderRequest {
  /** Real path of repoDir. */
  repoRoot: string;
  /** Real path of the app directory, inside repoRoot. */
  appDir: string;
  /** The app directory relative to repoRoot, POSIX separators ('' for the root). */
  appPath: string;
  timeoutMs: number;
}

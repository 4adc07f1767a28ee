// Application: one set of manifests in Git, rendered one way, kept equal to one destination.
import { type Static, Type } from 'typebox';
import { chartSourceProblem, chartValueFileProblem } from '../helm/chart-source.ts';
import { artifactSourceProblem, isArtifactSource } from '../oci/artifact-source.ts';
import { isRefOnly, sourcesProblems } from './app-sources.ts';
import { ApplicationStatus, Operation, RetryStrategy, SyncOptionList } from './application-status.ts';
import {
  API_VERSION,
  atMostOneOf,
  Closed,
  DEFAULT_PROJECT,
  IN_CLUSTER,
  ObjectMeta,
  StringMap,
} from './common.ts';
import { repoURLProblem } from './repo-url.ts';
import { manifestErrors } from './validate.ts';

export const APPLICATION_KIND = 'Application';

/** Spec defaults, applied by `withDefaults` (not by the API server, so stored objects stay as written). */
export const APPLICATION_DEFAULTS = {
  project: DEFAULT_PROJECT,
  targetRevision: 'HEAD',
  path: '.',
  cluster: IN_CLUSTER,
  revisionHistoryLimit: 10,
  retry: { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
} as const;
const D = APPLICATION_DEFAULTS;

export const JsonnetVar = Closed({
  name: Type.String({ minLength: 1 }),
  value: Type.String(),
  code: Type.Optional(Type.Boolean({ description: 'The value is Jsonnet code, not a string.' })),
});

export const JsonnetSource = Closed({
  tlas: Type.Optional(Type.Array(JsonnetVar, { description: 'Top-level arguments.' })),
  extVars: Type.Optional(Type.Array(JsonnetVar, { description: 'External variables (std.extVar).' })),
  libs: Type.Optional(
    Type.Array(Type.String(), { description: 'Library folders, relative to the repository root.' }),
  ),
});

export const DirectorySource = Closed({
  recurse: Type.Optional(Type.Boolean({ description: 'Also read manifests in subdirectories.' })),
  jsonnet: Type.Optional(JsonnetSource),
  include: Type.Optional(
    Type.String({ description: 'Glob of files to read, like *.yaml or {a.yaml,b.yaml}.' }),
  ),
  exclude: Type.Optional(Type.String({ description: 'Glob of files to skip.' })),
});
export type DirectorySource = Static<typeof DirectorySource>;

export const KustomizeSource = Closed({
  namePrefix: Type.Optional(Type.String()),
  nameSuffix: Type.Optional(Type.String()),
  images: Type.Optional(
    Type.Array(Type.String(), { description: 'Image overrides, like nginx=nginx:1.27 or nginx:1.27.' }),
  ),
  commonLabels: Type.Optional(StringMap()),
  commonAnnotations: Type.Optional(StringMap()),
  namespace: Type.Optional(Type.String()),
});
export type KustomizeSource = Static<typeof KustomizeSource>;

export const HelmParameter = Closed({
  name: Type.String({ minLength: 1, description: 'A --set path, like image.tag.' }),
  value: Type.String(),
  forceString: Type.Optional(Type.Boolean({ description: 'Pass with --set-string.' })),
});
export type HelmParameter = Static<typeof HelmParameter>;

export const HelmSource = Closed({
  valueFiles: Type.Optional(
    Type.Array(Type.String(), { description: 'Values files, relative to the path.' }),
  ),
  values: Type.Optional(Type.String({ description: 'Inline values, as YAML; they override the files.' })),
  parameters: Type.Optional(Type.Array(HelmParameter)),
  releaseName: Type.Optional(Type.String({ description: 'Default: the Application name.' })),
});
export type HelmSource = Static<typeof HelmSource>;

export const ApplicationSource = Closed(
  {
    repoURL: Type.String({
      minLength: 1,
      description:
        'URL of the Git repository; with chart, of the Helm chart repository (https://) or OCI registry (oci://); without chart, oci://HOST/REPOSITORY is an OCI artifact of manifests.',
    }),
    chart: Type.Optional(
      Type.String({
        description:
          'Name of a Helm chart in the chart repository or registry repoURL names; targetRevision is its version or a semver range.',
      }),
    ),
    targetRevision: Type.Optional(
      Type.String({
        description: `Branch, tag, commit SHA or HEAD (default: ${D.targetRevision}); of an OCI artifact, a tag or a sha256: digest.`,
      }),
    ),
    path: Type.Optional(
      Type.String({ description: `Directory inside the repository. Default: ${D.path} (its root).` }),
    ),
    directory: Type.Optional(DirectorySource),
    kustomize: Type.Optional(KustomizeSource),
    helm: Type.Optional(HelmSource),
    ref: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9_-]{1,63}$',
        description:
          'In spec.sources: names this Git source so helm valueFiles of another source can read it as $NAME/path. A source with ref and no path is not rendered.',
      }),
    ),
    allowEmpty: Type.Optional(
      Type.Boolean({
        description:
          'With chart: a chart that renders no object is accepted (otherwise an EmptyRender condition). A Git path says it with a .tiphys-empty file instead.',
      }),
    ),
  },
  {
    description: 'Where the manifests come from. At most one of directory, kustomize, helm.',
    ...atMostOneOf('directory', 'kustomize', 'helm'),
  },
);
export type ApplicationSource = Static<typeof ApplicationSource>;

export const ApplicationDestination = Closed({
  cluster: Type.Optional(
    Type.String({
      description: `Name of a registered Cluster; ${D.cluster} (the default) is the control cluster.`,
    }),
  ),
  namespace: Type.Optional(Type.String({ description: 'Namespace for resources that do not set one.' })),
});
export type ApplicationDestination = Static<typeof ApplicationDestination>;

export const SyncPolicy = Closed({
  automated: Type.Optional(
    Closed(
      {
        prune: Type.Optional(Type.Boolean({ description: 'Delete resources removed from Git.' })),
        selfHeal: Type.Optional(Type.Boolean({ description: 'Revert changes made in the cluster.' })),
        allowEmpty: Type.Optional(Type.Boolean({ description: 'Allow a sync that would prune everything.' })),
      },
      { description: 'Sync automatically when Git or the cluster changes.' },
    ),
  ),
  syncOptions: Type.Optional(SyncOptionList),
  retry: Type.Optional(RetryStrategy),
});
export type SyncPolicy = Static<typeof SyncPolicy>;

export const IgnoreDifference = Closed({
  group: Type.Optional(Type.String()),
  kind: Type.String(),
  name: Type.Optional(Type.String()),
  namespace: Type.Optional(Type.String()),
  jsonPointers: Type.Optional(Type.Array(Type.String({ pattern: '^(/.*)?$' }))),
  managedFieldsManagers: Type.Optional(
    Type.Array(Type.String(), { description: 'Ignore fields owned by these field managers.' }),
  ),
});
export type IgnoreDifference = Static<typeof IgnoreDifference>;

export const ApplicationSpec = Closed(
  {
    project: Type.Optional(Type.String({ description: `AppProject name. Default: ${D.project}.` })),
    source: Type.Optional(ApplicationSource),
    sources: Type.Optional(
      Type.Array(ApplicationSource, {
        minItems: 1,
        maxItems: 20,
        description:
          'Several sources rendered together (instead of source): charts, Git paths, and ref sources whose files helm value files read as $REF/path.',
      }),
    ),
    destination: ApplicationDestination,
    syncPolicy: Type.Optional(SyncPolicy),
    ignoreDifferences: Type.Optional(Type.Array(IgnoreDifference)),
    dependsOn: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description: 'Applications in this namespace that must be Synced and Healthy first.',
      }),
    ),
    revisionHistoryLimit: Type.Optional(
      Type.Integer({ minimum: 0, description: `History entries kept. Default: ${D.revisionHistoryLimit}.` }),
    ),
  },
  atMostOneOf('source', 'sources'),
);
export type ApplicationSpec = Static<typeof ApplicationSpec>;

export const Application = Type.Object({
  apiVersion: Type.Literal(API_VERSION),
  kind: Type.Literal(APPLICATION_KIND),
  metadata: ObjectMeta,
  spec: ApplicationSpec,
  operation: Type.Optional(Operation),
  status: Type.Optional(ApplicationStatus),
});
export type Application = Static<typeof Application>;

/** A source with its defaults filled in. */
export type ResolvedSource = ApplicationSource & { targetRevision: string; path: string };

/**
 * A spec with every defaulted field filled in: what the controller works from. With `sources`,
 * `source` is the first source that renders (what a one-line view shows); the render and the
 * project check read every source (`sourcesOf`).
 */
export type ResolvedApplicationSpec = Omit<ApplicationSpec, 'source' | 'sources'> & {
  project: string;
  source: ResolvedSource;
  sources?: ResolvedSource[];
  destination: ApplicationDestination & { cluster: string };
  revisionHistoryLimit: number;
};
export type ResolvedApplication = Omit<Application, 'spec'> & { spec: ResolvedApplicationSpec };

/** Returns a copy of `app` with the spec defaults filled in; `app` is left unchanged. */
export function withDefaults(app: Application): ResolvedApplication {
  const spec = structuredClone(app.spec);
  const retry = spec.syncPolicy?.retry;
  if (spec.syncPolicy && retry) {
    spec.syncPolicy.retry = {
      limit: retry.limit ?? D.retry.limit,
      backoff: { ...D.retry.backoff, ...retry.backoff },
    };
  }
  const sources = spec.sources?.map(sourceDefaults);
  // An invalid stored object (neither field) still resolves; validation reports it.
  // An empty list (stored before the CRD said minItems) resolves like no list: readers of a
  // stored app (metrics, lists, the CLI) must never fail on it.
  const source =
    sources?.find((s) => !isRefOnly(s)) ?? sources?.[0] ?? sourceDefaults(spec.source ?? { repoURL: '' });
  return {
    ...app,
    spec: {
      ...spec,
      project: spec.project || D.project,
      source,
      sources,
      destination: { ...spec.destination, cluster: spec.destination.cluster || D.cluster },
      revisionHistoryLimit: spec.revisionHistoryLimit ?? D.revisionHistoryLimit,
    },
  };
}

function sourceDefaults(source: ApplicationSource): ResolvedSource {
  return {
    ...source,
    targetRevision: source.targetRevision || D.targetRevision,
    // A ref source without a path only lends its files; it keeps no path so it is not rendered.
    path: source.path || (source.ref !== undefined ? '' : D.path),
  };
}

/**
 * Checks an Application as a user wrote it; returns readable messages naming the field (empty
 * when valid). The status is ignored: it belongs to the controller. A local repository
 * (`file://`, a path) is refused unless the operator allowed them (`allowLocalRepos`).
 */
export function validateApplication(obj: unknown, options: { allowLocalRepos?: boolean } = {}): string[] {
  const errors = manifestErrors(Application, obj);
  const app = (obj ?? {}) as Partial<Application>;
  const spec = app.spec as Partial<ApplicationSpec> | undefined;
  if (spec && typeof spec === 'object') {
    if (spec.source !== undefined && spec.sources !== undefined)
      errors.push('spec: give either source or sources, not both');
    else if (spec.source === undefined && spec.sources === undefined) errors.push('spec.source: is required');
    if (spec.source && typeof spec.source === 'object') {
      errors.push(...sourceProblems('spec.source', spec.source, options));
      if (spec.source.ref !== undefined)
        errors.push('spec.source.ref: only sources of spec.sources have a ref');
    }
    if (Array.isArray(spec.sources)) {
      for (const [i, source] of spec.sources.entries())
        if (source && typeof source === 'object')
          errors.push(...sourceProblems(`spec.sources[${i}]`, source, options));
      errors.push(...sourcesProblems(spec.sources));
    }
  }
  const name = app.metadata?.name;
  if (name && Array.isArray(app.spec?.dependsOn) && app.spec.dependsOn.includes(name)) {
    errors.push('spec.dependsOn: an Application cannot depend on itself');
  }
  return errors;
}

function sourceProblems(
  field: string,
  source: Partial<ApplicationSource>,
  options: { allowLocalRepos?: boolean },
): string[] {
  const errors: string[] = [];
  const { repoURL, chart } = source;
  if (typeof chart === 'string' && typeof repoURL === 'string') {
    const problem = chartSourceProblem(repoURL, chart);
    if (problem) errors.push(`${field}: ${problem}`);
    if (source.kustomize || source.directory)
      errors.push(`${field}: a chart is rendered by helm; kustomize and directory options do not apply`);
    for (const file of source.helm?.valueFiles ?? []) {
      const fileProblem = file.startsWith('$') ? undefined : chartValueFileProblem(file);
      if (fileProblem) errors.push(`${field}.helm.valueFiles: ${JSON.stringify(file)}: ${fileProblem}`);
    }
  } else if (typeof repoURL === 'string' && isArtifactSource(source)) {
    const problem = artifactSourceProblem(repoURL, source.targetRevision);
    if (problem) errors.push(`${field}: ${problem}`);
  } else if (typeof repoURL === 'string' && repoURL !== '') {
    const problem = repoURLProblem(repoURL, { allowLocal: options.allowLocalRepos });
    if (problem) errors.push(`${field}.repoURL: ${problem}`);
  }
  if (source.allowEmpty !== undefined && chart === undefined)
    errors.push(
      `${field}.allowEmpty: only a chart source has it; a Git path says it with a ${'.tiphys-empty'} file`,
    );
  return errors;
}

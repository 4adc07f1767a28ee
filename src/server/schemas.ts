// The API's own request and response schemas, built from the model schemas (src/core/model): the
// validator checks requests against them and the OpenAPI document is generated from them.
import { Type } from 'typebox';
import { AppProject, AppProjectSpec, SyncWindow } from '../core/model/app-project.ts';
import { Application, ApplicationSpec } from '../core/model/application.ts';
import { Operation, SyncOptionList } from '../core/model/application-status.ts';
import { Cluster, ClusterStatus } from '../core/model/cluster.ts';
import { API_VERSION, Closed, ObjectMeta, ResourceRef, StringMap } from '../core/model/common.ts';

export { Application, AppProject, Cluster };

/** A Kubernetes object name (DNS subdomain), as path parameters and bodies name resources. */
export const NAME_PATTERN = '^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$';
const Name = (description: string) => Type.String({ pattern: NAME_PATTERN, maxLength: 253, description });

export const ErrorBody = Type.Object({ error: Type.String() }, { description: 'What went wrong.' });
export const NameParams = Type.Object({ name: Name('Name of the resource.') });

export const ApplicationListQuery = Type.Object({
  project: Type.Optional(Type.String({ description: 'Comma-separated AppProject names.' })),
  cluster: Type.Optional(Type.String({ description: 'Comma-separated destination clusters.' })),
  namespace: Type.Optional(Type.String({ description: 'Comma-separated destination namespaces.' })),
  health: Type.Optional(Type.String({ description: 'Comma-separated health statuses (Healthy, …).' })),
  sync: Type.Optional(
    Type.String({ description: 'Comma-separated sync statuses (Synced, OutOfSync, Unknown).' }),
  ),
  selector: Type.Optional(
    Type.String({ description: 'Label selector, like team=a,tier!=db,env in (dev,qa).' }),
  ),
  search: Type.Optional(
    Type.String({ description: 'Case-insensitive text in the name, repository or path.' }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 0, description: 'At most this many items.' })),
  offset: Type.Optional(Type.Integer({ minimum: 0, description: 'Skip this many items first.' })),
});

export const ApplicationList = Type.Object({
  items: Type.Array(Application),
  total: Type.Integer({ description: 'Matching Applications the caller may see, before limit/offset.' }),
});

/** An Application as a client writes it: apiVersion and kind may be left out. */
export const ApplicationBody = Closed(
  {
    apiVersion: Type.Optional(Type.Literal(API_VERSION)),
    kind: Type.Optional(Type.Literal('Application')),
    metadata: ObjectMeta,
    spec: ApplicationSpec,
    operation: Type.Optional(Operation),
    status: Type.Optional(Type.Unknown({ description: 'Ignored: the controller owns the status.' })),
  },
  { description: 'An Application, or just {metadata: {name}, spec}.' },
);

export const DeleteQuery = Type.Object({
  cascade: Type.Optional(
    Type.Boolean({ description: 'Delete the resources the app deployed too (default true).' }),
  ),
});

export const SyncRequest = Closed({
  prune: Type.Optional(Type.Boolean({ description: 'Delete resources no longer in Git.' })),
  dryRun: Type.Optional(Type.Boolean()),
  revision: Type.Optional(Type.String({ minLength: 1, description: 'Sync this revision instead.' })),
  resources: Type.Optional(Type.Array(ResourceRef, { description: 'Sync only these resources.' })),
  syncOptions: Type.Optional(SyncOptionList),
});

export const PreviewRequest = Closed({
  revision: Type.String({
    minLength: 1,
    maxLength: 1024,
    description: "A branch, tag or commit of the app's repository whose changes to show.",
  }),
});

export const RollbackRequest = Closed({
  id: Type.Integer({ minimum: 0, description: 'ID of the history entry to deploy again.' }),
  prune: Type.Optional(Type.Boolean()),
});

export const Accepted = Type.Object({ message: Type.String() });

export const ResourceNode = Type.Object({
  group: Type.String(),
  version: Type.String(),
  kind: Type.String(),
  namespace: Type.String(),
  name: Type.String(),
  uid: Type.Optional(Type.String()),
  health: Type.Optional(Type.Object({ status: Type.String(), message: Type.Optional(Type.String()) })),
  sync: Type.Optional(Type.Union([Type.Literal('Synced'), Type.Literal('OutOfSync')])),
  hook: Type.Optional(Type.Boolean()),
  parentRefs: Type.Array(
    Type.Object({
      group: Type.String(),
      kind: Type.String(),
      namespace: Type.String(),
      name: Type.String(),
      uid: Type.Optional(Type.String()),
    }),
  ),
});
export const ResourceTree = Type.Object({ nodes: Type.Array(ResourceNode) });

export const ManifestsQuery = Type.Object({
  group: Type.Optional(Type.String({ description: "API group; '' or absent for the core group." })),
  kind: Type.String({ minLength: 1 }),
  namespace: Type.Optional(Type.String()),
  name: Type.String({ minLength: 1 }),
});
const KubeObjectSchema = Type.Record(Type.String(), Type.Unknown(), { description: 'A Kubernetes object.' });
export const Manifests = Type.Object({
  live: Type.Optional(KubeObjectSchema),
  desired: Type.Optional(KubeObjectSchema),
});

export const AppDiff = Type.Object({
  revision: Type.String(),
  resources: Type.Array(Type.Object({ key: Type.String(), status: Type.String(), diff: Type.String() })),
});

export const EventList = Type.Object({ items: Type.Array(KubeObjectSchema) });

/** An AppProject as a client writes it: apiVersion and kind may be left out. */
export const ProjectBody = Closed({
  apiVersion: Type.Optional(Type.Literal(API_VERSION)),
  kind: Type.Optional(Type.Literal('AppProject')),
  metadata: ObjectMeta,
  spec: AppProjectSpec,
  status: Type.Optional(Type.Unknown({ description: 'Ignored.' })),
});
export const ProjectList = Type.Object({ items: Type.Array(AppProject) });

const WindowState = Type.Object({
  index: Type.Integer({ minimum: 0 }),
  window: SyncWindow,
  open: Type.Optional(
    Type.Object({
      start: Type.String(),
      end: Type.String(),
      atLeast: Type.Optional(Type.Boolean({ description: 'Open past end (overlapping fires).' })),
    }),
  ),
  nextOpen: Type.Optional(Type.String({ description: 'When it next opens, if closed now.' })),
  error: Type.Optional(Type.String({ description: 'Why the window cannot be read.' })),
});

/** A project's sync windows at an instant (docs/sync-windows.md). */
export const ProjectWindows = Type.Object({
  project: Type.String(),
  now: Type.String({ format: 'date-time' }),
  windows: Type.Array(WindowState),
});

const SyncVerdict = Type.Object({
  allowed: Type.Boolean(),
  reason: Type.Optional(Type.String({ description: 'Why not, naming the windows.' })),
  opensAt: Type.Optional(Type.String({ description: 'When a sync of this kind may next start.' })),
});

/** The windows that concern one Application, and whether a sync may start now. */
export const AppWindows = Type.Object({
  project: Type.String(),
  now: Type.String({ format: 'date-time' }),
  windows: Type.Array(WindowState, { description: "The project's windows that concern the app." }),
  manual: SyncVerdict,
  automated: SyncVerdict,
});

export const ClusterCreate = Closed(
  {
    name: Name('Name Applications use as destination.cluster.'),
    server: Type.Optional(
      Type.String({ pattern: '^https?://', description: 'API server URL; optional with kubeconfig.' }),
    ),
    bearerToken: Type.Optional(Type.String({ minLength: 1, description: 'Write-only.' })),
    caData: Type.Optional(Type.String({ description: 'CA certificate (PEM). Write-only.' })),
    insecure: Type.Optional(Type.Boolean({ description: 'Do not verify the TLS certificate.' })),
    kubeconfig: Type.Optional(
      Type.String({ minLength: 1, description: 'A self-contained kubeconfig. Write-only.' }),
    ),
    labels: Type.Optional(StringMap()),
  },
  {
    description: 'Either server (with bearerToken, caData, insecure) or a kubeconfig.',
    anyOf: [{ required: ['server'] }, { required: ['kubeconfig'] }],
  },
);
export const ClusterView = Type.Object({
  name: Type.String(),
  server: Type.String(),
  labels: StringMap(),
  connection: Type.Optional(ClusterStatus.properties.connection),
  health: Type.Optional(ClusterStatus.properties.health),
  recovery: Type.Optional(ClusterStatus.properties.recovery),
  conditions: Type.Optional(ClusterStatus.properties.conditions),
  serverVersion: Type.Optional(Type.String()),
  cacheInfo: Type.Optional(ClusterStatus.properties.cacheInfo),
  applicationsCount: Type.Optional(Type.Integer()),
  notifications: Type.Optional(ClusterStatus.properties.notifications),
});
export const ClusterLabelsPatch = Type.Object({
  labels: Type.Record(Type.String(), Type.Union([Type.String(), Type.Null()]), {
    description: 'A string sets the label, null removes it.',
  }),
});
export const ClusterList = Type.Object({ items: Type.Array(ClusterView) });

export const RepositoryCreate = Closed(
  {
    url: Type.String({ minLength: 1, description: 'Repository URL, or a URL prefix.' }),
    username: Type.Optional(Type.String()),
    password: Type.Optional(Type.String({ description: 'Write-only.' })),
    sshPrivateKey: Type.Optional(Type.String({ minLength: 1, description: 'Write-only.' })),
    insecure: Type.Optional(
      Type.Boolean({
        description: 'Skip TLS certificate verification of an https repository (never SSH host keys).',
      }),
    ),
    sshKnownHosts: Type.Optional(
      Type.String({
        minLength: 1,
        description: "known_hosts lines of the repository's SSH host; SSH connects only to a listed key.",
      }),
    ),
    sshAcceptNewHostKey: Type.Optional(
      Type.Boolean({ description: 'Trust the SSH host key of the first connection and pin it.' }),
    ),
    name: Type.Optional(
      Type.String({ pattern: '^[a-z0-9]([-a-z0-9]{0,56}[a-z0-9])?$', description: 'Short name.' }),
    ),
  },
  { dependentRequired: { username: ['password'], password: ['username'] } },
);
export const RepositoryView = Type.Object({
  url: Type.String(),
  name: Type.String(),
  username: Type.String(),
  hasCredentials: Type.Boolean(),
  insecure: Type.Boolean(),
});
export const RepositoryList = Type.Object({ items: Type.Array(RepositoryView) });

/** How many apps a push refreshed; which ones is not told to an unauthenticated sender. */
export const WebhookResult = Type.Object({ refreshed: Type.Integer({ minimum: 0 }) });

/** Named schemas of the OpenAPI document; routes refer to them by identity. */
export const componentSchemas = {
  Error: ErrorBody,
  Application,
  ApplicationBody,
  ApplicationList,
  AppProject,
  ProjectBody,
  ProjectList,
  ProjectWindows,
  AppWindows,
  Cluster,
  ClusterCreate,
  ClusterView,
  ClusterList,
  RepositoryCreate,
  RepositoryView,
  RepositoryList,
  SyncRequest,
  PreviewRequest,
  RollbackRequest,
  Accepted,
  ResourceTree,
  ResourceNode,
  Manifests,
  AppDiff,
  EventList,
  WebhookResult,
} as const;

// AppProject: what a group of Applications may deploy, from where, to where.
import { type Static, Type } from 'typebox';
import { syncWindowErrors } from '../sync-window/windows.ts';
import {
  API_VERSION,
  Closed,
  DEFAULT_CONTROL_NAMESPACE,
  DEFAULT_PROJECT,
  FreeForm,
  GroupKind,
  ObjectMeta,
  StringEnum,
} from './common.ts';
import { manifestErrors } from './validate.ts';

export const APP_PROJECT_KIND = 'AppProject';

const GroupKindList = (description: string) => Type.Optional(Type.Array(GroupKind, { description }));

export const ProjectDestination = Closed({
  cluster: Type.Optional(Type.String({ description: 'Glob of Cluster names; * for any.' })),
  namespace: Type.Optional(Type.String({ description: 'Glob of namespaces; * for any.' })),
});
export type ProjectDestination = Static<typeof ProjectDestination>;

export const ProjectRole = Closed({
  name: Type.String({ minLength: 1 }),
  description: Type.Optional(Type.String()),
  policies: Type.Optional(
    Type.Array(Type.String(), { description: 'RBAC policy lines granted to the role.' }),
  ),
  groups: Type.Optional(Type.Array(Type.String(), { description: 'SSO groups that get the role.' })),
});
export type ProjectRole = Static<typeof ProjectRole>;

export const SyncWindowKind = { allow: 'allow', deny: 'deny' } as const;

export const SyncWindow = Closed({
  kind: StringEnum(SyncWindowKind, {
    description: 'allow: syncs only while open; deny: no syncs while open (deny wins).',
  }),
  schedule: Type.String({ minLength: 1, description: 'Five-field cron expression: when the window opens.' }),
  duration: Type.String({ minLength: 1, description: 'How long it stays open: 1h, 30m, 1h30m.' }),
  timeZone: Type.Optional(Type.String({ description: 'IANA time zone of the schedule; default UTC.' })),
  applications: Type.Optional(Type.Array(Type.String(), { description: 'Globs of Application names.' })),
  namespaces: Type.Optional(Type.Array(Type.String(), { description: 'Globs of destination namespaces.' })),
  clusters: Type.Optional(Type.Array(Type.String(), { description: 'Globs of destination Cluster names.' })),
  manualSync: Type.Optional(
    Type.Boolean({ description: 'Manual syncs pass the window anyway (deny open, or allow closed).' }),
  ),
  description: Type.Optional(Type.String()),
});
export type SyncWindow = Static<typeof SyncWindow>;

export const AppProjectSpec = Closed({
  description: Type.Optional(Type.String()),
  sourceRepos: Type.Optional(
    Type.Array(Type.String(), { description: 'Globs of repository URLs Applications may use; * for any.' }),
  ),
  destinations: Type.Optional(
    Type.Array(ProjectDestination, { description: 'Where Applications may deploy; none means nowhere.' }),
  ),
  clusterResourceWhitelist: GroupKindList('Cluster-scoped kinds allowed; none means none.'),
  clusterResourceBlacklist: GroupKindList('Cluster-scoped kinds denied, even if whitelisted.'),
  namespaceResourceWhitelist: GroupKindList('Namespaced kinds allowed; absent means all.'),
  namespaceResourceBlacklist: GroupKindList('Namespaced kinds denied.'),
  roles: Type.Optional(Type.Array(ProjectRole)),
  syncWindows: Type.Optional(
    Type.Array(SyncWindow, {
      description: 'When Applications of the project may sync (docs/sync-windows.md).',
    }),
  ),
});
export type AppProjectSpec = Static<typeof AppProjectSpec>;

export const AppProject = Type.Object({
  apiVersion: Type.Literal(API_VERSION),
  kind: Type.Literal(APP_PROJECT_KIND),
  metadata: ObjectMeta,
  spec: AppProjectSpec,
  status: Type.Optional(FreeForm({ description: 'Reserved for the controller.' })),
});
export type AppProject = Static<typeof AppProject>;

/** The project Applications get when they name none: it allows everything. */
export function defaultAppProject(namespace: string = DEFAULT_CONTROL_NAMESPACE): AppProject {
  return {
    apiVersion: API_VERSION,
    kind: APP_PROJECT_KIND,
    metadata: { name: DEFAULT_PROJECT, namespace },
    spec: {
      description: 'Default project: any repository, any destination, any kind.',
      sourceRepos: ['*'],
      destinations: [{ cluster: '*', namespace: '*' }],
      clusterResourceWhitelist: [{ group: '*', kind: '*' }],
    },
  };
}

/** Readable messages for every problem in an AppProject as written (status ignored). */
export function validateAppProject(obj: unknown): string[] {
  const errors = manifestErrors(AppProject, obj);
  if (errors.length > 0) return errors;
  return syncWindowErrors((obj as AppProject).spec.syncWindows ?? []);
}

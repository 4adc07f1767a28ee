import { SYNC_PHASES, type SyncPhase, type SyncTask, type TaskType } from './types.ts';

// Within a wave, what others depend on goes first: namespaces hold everything, CRDs define the
// kinds of custom resources, accounts, configuration and storage are mounted by workloads, and
// webhooks come last so they do not intercept objects before their server runs. The order of
// Helm's and Argo CD's installers, so charts behave as their authors tested them. Kinds not
// listed (custom resources mostly) come after all of these.
const INSTALL_ORDER: readonly string[] = [
  'Namespace',
  'CustomResourceDefinition',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
];

const kindRanks = new Map(INSTALL_ORDER.map((kind, index) => [kind, index]));

/** The kind's position in the install order; unknown kinds share the last rank. */
export function kindRank(kind: string): number {
  return kindRanks.get(kind) ?? INSTALL_ORDER.length;
}

export function phaseIndex(phase: SyncPhase): number {
  return SYNC_PHASES.indexOf(phase);
}

/**
 * Deletions of a wave (prunes, previous runs of hooks) happen before its creations: a hook can
 * only be created again once its previous run is gone, and a renamed object may clash with the
 * one it replaces (a port, a host name) until that one is deleted.
 */
export function stepOf(type: TaskType): 0 | 1 {
  return type === 'prune' || type === 'delete-hook-before-creation' ? 0 : 1;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What ordering needs of a task; both planned tasks and persisted task states provide it. */
export interface Orderable {
  id: string;
  phase: SyncPhase;
  wave: number;
  type: TaskType;
  kind: string;
  namespace: string;
  name: string;
  createsNamespace: boolean;
}

/** The plan's order; deletions run in reverse install order (Deployments before Namespaces). */
export function compareOrderable(a: Orderable, b: Orderable): number {
  const byGroup =
    phaseIndex(a.phase) - phaseIndex(b.phase) || a.wave - b.wave || stepOf(a.type) - stepOf(b.type);
  if (byGroup !== 0) return byGroup;
  if (a.createsNamespace !== b.createsNamespace) return a.createsNamespace ? -1 : 1;
  const reverse = stepOf(a.type) === 0 ? -1 : 1;
  return (
    (kindRank(a.kind) - kindRank(b.kind)) * reverse ||
    compareText(a.kind, b.kind) * reverse ||
    compareText(a.namespace, b.namespace) ||
    compareText(a.name, b.name) ||
    compareText(a.id, b.id)
  );
}

function orderableTask(task: SyncTask): Orderable {
  const { kind, metadata } = task.object;
  return {
    ...task,
    kind,
    namespace: metadata.namespace ?? '',
    name: metadata.name ?? '',
    createsNamespace: task.createsNamespace ?? false,
  };
}

export function compareTasks(a: SyncTask, b: SyncTask): number {
  return compareOrderable(orderableTask(a), orderableTask(b));
}

/** True when both tasks run together: same phase, same wave, same step. */
export function sameGroup(
  a: { phase: SyncPhase; wave: number; type: TaskType },
  b: { phase: SyncPhase; wave: number; type: TaskType },
): boolean {
  return a.phase === b.phase && a.wave === b.wave && stepOf(a.type) === stepOf(b.type);
}

// Per-kind presentation of resource nodes: a short badge text, a colour by category, and the order
// siblings are shown in (configuration before workloads, owners before what they own).

export type KindCategory =
  | 'app'
  | 'workload'
  | 'network'
  | 'config'
  | 'storage'
  | 'rbac'
  | 'cluster'
  | 'other';

interface KindInfo {
  badge: string;
  category: KindCategory;
}

const KINDS: Record<string, KindInfo> = {
  Application: { badge: 'app', category: 'app' },
  Namespace: { badge: 'ns', category: 'cluster' },
  ServiceAccount: { badge: 'sa', category: 'rbac' },
  Role: { badge: 'role', category: 'rbac' },
  ClusterRole: { badge: 'crole', category: 'rbac' },
  RoleBinding: { badge: 'rb', category: 'rbac' },
  ClusterRoleBinding: { badge: 'crb', category: 'rbac' },
  ConfigMap: { badge: 'cm', category: 'config' },
  Secret: { badge: 'sec', category: 'config' },
  PersistentVolumeClaim: { badge: 'pvc', category: 'storage' },
  PersistentVolume: { badge: 'pv', category: 'storage' },
  StorageClass: { badge: 'sc', category: 'storage' },
  Service: { badge: 'svc', category: 'network' },
  Endpoints: { badge: 'ep', category: 'network' },
  EndpointSlice: { badge: 'eps', category: 'network' },
  Ingress: { badge: 'ing', category: 'network' },
  NetworkPolicy: { badge: 'netpol', category: 'network' },
  Deployment: { badge: 'deploy', category: 'workload' },
  StatefulSet: { badge: 'sts', category: 'workload' },
  DaemonSet: { badge: 'ds', category: 'workload' },
  ReplicaSet: { badge: 'rs', category: 'workload' },
  CronJob: { badge: 'cj', category: 'workload' },
  Job: { badge: 'job', category: 'workload' },
  Pod: { badge: 'pod', category: 'workload' },
  HorizontalPodAutoscaler: { badge: 'hpa', category: 'workload' },
  PodDisruptionBudget: { badge: 'pdb', category: 'workload' },
  CustomResourceDefinition: { badge: 'crd', category: 'cluster' },
};

const ORDER = Object.keys(KINDS);

/** A short lower-case badge; unknown kinds get their capital letters (`VirtualService` → `vs`). */
export function kindBadge(kind: string): string {
  const known = KINDS[kind];
  if (known) return known.badge;
  const capitals = kind.replace(/[^A-Z]/g, '').toLowerCase();
  return (capitals || kind.slice(0, 3)).slice(0, 5);
}

export function kindCategory(kind: string): KindCategory {
  return KINDS[kind]?.category ?? 'other';
}

/** Sort rank of a kind among siblings; unknown kinds come last, alphabetically among themselves. */
export function kindRank(kind: string): number {
  const i = ORDER.indexOf(kind);
  return i < 0 ? ORDER.length : i;
}

export function compareKindThenName(a: { kind: string; name: string }, b: { kind: string; name: string }) {
  return kindRank(a.kind) - kindRank(b.kind) || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name);
}

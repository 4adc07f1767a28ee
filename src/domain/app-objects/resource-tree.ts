// The resource tree of an Application: its managed objects (status.resources) and, below them,
// the objects their controllers made, found by ownerReferences (Deployment → ReplicaSet → Pod).
// Pure: the caller supplies the live objects and the candidate children.
import { assessHealth } from '../../core/health/index.ts';
import { groupOf, versionOf } from '../../core/manifest/key.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import type { ResourceStatus } from '../../core/model/application-status.ts';

/** One object of the tree; the API's ResourceNode schema describes the same shape. */
export interface TreeNode {
  group: string;
  version: string;
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
  health?: { status: string; message?: string };
  sync?: 'Synced' | 'OutOfSync';
  hook?: boolean;
  parentRefs: { group: string; kind: string; namespace: string; name: string; uid?: string }[];
}

/** Which kinds (apiVersion, kind) a workload kind makes; the tree looks for these below it. */
const CHILD_KINDS: Record<string, { apiVersion: string; kind: string }[]> = {
  'apps/Deployment': [{ apiVersion: 'apps/v1', kind: 'ReplicaSet' }],
  'apps/ReplicaSet': [{ apiVersion: 'v1', kind: 'Pod' }],
  'apps/StatefulSet': [{ apiVersion: 'v1', kind: 'Pod' }],
  'apps/DaemonSet': [{ apiVersion: 'v1', kind: 'Pod' }],
  'batch/Job': [{ apiVersion: 'v1', kind: 'Pod' }],
  'batch/CronJob': [{ apiVersion: 'batch/v1', kind: 'Job' }],
};

/** The child kinds to look at for these managed kinds, following the chain down. */
export function childKindsOf(managed: readonly { group?: string; kind: string }[]) {
  const found = new Map<string, { apiVersion: string; kind: string }>();
  const queue = managed.map((r) => `${r.group ?? ''}/${r.kind}`);
  while (queue.length > 0) {
    for (const child of CHILD_KINDS[queue.shift() ?? ''] ?? []) {
      const id = `${groupOf(child.apiVersion)}/${child.kind}`;
      if (found.has(id)) continue;
      found.set(id, child);
      queue.push(id);
    }
  }
  return [...found.values()];
}

export interface ManagedEntry {
  status: ResourceStatus;
  live?: KubeObject;
}

const MAX_DEPTH = 6;

export function buildResourceTree(
  managed: readonly ManagedEntry[],
  candidates: readonly KubeObject[],
): TreeNode[] {
  const nodes: TreeNode[] = [];
  const byUid = new Map<string, TreeNode>();
  for (const { status, live } of managed) {
    // The controller's verdict comes first: it judged the object with the installation's custom
    // checks (Lua, CEL: docs/health.md) and is what the app's own health is made of, so a row
    // never contradicts it. Tiphys's built-in check only fills in when no verdict is recorded.
    const health = status.health ?? (live ? assessHealth(live) : undefined);
    const node: TreeNode = {
      group: status.group ?? '',
      version: status.version ?? (live ? versionOf(live.apiVersion) : 'v1'),
      kind: status.kind,
      namespace: status.namespace ?? '',
      name: status.name,
      ...(live?.metadata.uid ? { uid: live.metadata.uid } : {}),
      ...(health
        ? { health: { status: health.status, ...(health.message ? { message: health.message } : {}) } }
        : {}),
      ...(status.status === 'Synced' || status.status === 'OutOfSync' ? { sync: status.status } : {}),
      ...(status.hook ? { hook: true } : {}),
      parentRefs: [],
    };
    nodes.push(node);
    if (node.uid) byUid.set(node.uid, node);
  }
  // Breadth first: each round adopts the candidates whose owner is already in the tree.
  let pending = candidates.filter((c) => c.metadata.uid && !byUid.has(c.metadata.uid));
  for (let depth = 0; depth < MAX_DEPTH && pending.length > 0; depth++) {
    const adopted: TreeNode[] = [];
    pending = pending.filter((candidate) => {
      const owners = ownerRefsOf(candidate).filter((ref) => byUid.has(ref.uid));
      if (owners.length === 0) return true;
      adopted.push(childNode(candidate, owners));
      return false;
    });
    if (adopted.length === 0) break;
    for (const node of adopted.sort(byKindAndName)) {
      nodes.push(node);
      if (node.uid) byUid.set(node.uid, node);
    }
  }
  return nodes;
}

function childNode(
  obj: KubeObject,
  owners: { apiVersion: string; kind: string; name: string; uid: string }[],
) {
  const health = assessHealth(obj);
  const namespace = obj.metadata.namespace ?? '';
  return {
    group: groupOf(obj.apiVersion),
    version: versionOf(obj.apiVersion),
    kind: obj.kind,
    namespace,
    name: obj.metadata.name ?? '',
    uid: obj.metadata.uid,
    ...(health
      ? { health: { status: health.status, ...(health.message ? { message: health.message } : {}) } }
      : {}),
    parentRefs: owners.map((ref) => ({
      group: groupOf(ref.apiVersion),
      kind: ref.kind,
      namespace,
      name: ref.name,
      uid: ref.uid,
    })),
  } satisfies TreeNode;
}

function ownerRefsOf(obj: KubeObject): { apiVersion: string; kind: string; name: string; uid: string }[] {
  const refs = obj.metadata.ownerReferences;
  if (!Array.isArray(refs)) return [];
  return refs.filter(
    (ref): ref is { apiVersion: string; kind: string; name: string; uid: string } =>
      typeof ref?.uid === 'string' && typeof ref.kind === 'string' && typeof ref.name === 'string',
  );
}

function byKindAndName(a: TreeNode, b: TreeNode): number {
  const ka = `${a.kind}/${a.namespace}/${a.name}`;
  const kb = `${b.kind}/${b.namespace}/${b.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

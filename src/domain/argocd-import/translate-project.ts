// Argo CD AppProjects and the RBAC ConfigMap as Tiphys's. A project field whose loss would let
// Applications do more than in Argo CD (signature keys, destination service accounts, a sync
// window's AND) refuses the project; a role policy line about another project is dropped (a
// narrower grant) with a note.
import { type AppProject, validateAppProject } from '../../core/model/app-project.ts';
import { clusterForServer } from '../../core/model/argocd-compat.ts';
import { API_VERSION } from '../../core/model/common.ts';
import { type ArgoObject, isRecord, type PlannedObject, stringMap } from './plan-types.ts';
import { RBAC_CONFIGMAP_NAME } from './rbac-name.ts';

type Outcome<T> = { ok: T } | { reasons: string[] };

const COPIED = [
  'description',
  'sourceRepos',
  'clusterResourceWhitelist',
  'clusterResourceBlacklist',
  'namespaceResourceWhitelist',
  'namespaceResourceBlacklist',
] as const;
const REFUSING: Record<string, string> = {
  signatureKeys:
    'Tiphys does not verify commit signatures, so its Applications would deploy unsigned commits',
  destinationServiceAccounts:
    "Tiphys does not impersonate service accounts, so syncs would run with the controller's rights",
};
const DROPPED: Record<string, string> = {
  sourceNamespaces:
    'Tiphys Applications all live in the control namespace (used only to check the imported Applications)',
  orphanedResources: 'orphaned-resource monitoring is not supported',
  permitOnlyProjectScopedClusters: 'project-scoped clusters are not imported',
  sourceNamespacesEnabled: 'not supported',
};

function destinations(
  list: unknown,
  clusters: { name: string; server: string }[],
  clusterNames: Map<string, string>,
  notes: string[],
): { cluster: string; namespace: string }[] {
  const out: { cluster: string; namespace: string }[] = [];
  for (const [i, entry] of (Array.isArray(list) ? list : []).entries()) {
    if (!isRecord(entry)) continue;
    const namespace = typeof entry.namespace === 'string' ? entry.namespace : '*';
    let cluster: string | undefined;
    if (typeof entry.name === 'string' && entry.name !== '') {
      cluster = entry.name === '*' ? '*' : (clusterNames.get(entry.name) ?? entry.name);
    } else if (typeof entry.server === 'string') {
      cluster = entry.server === '*' ? '*' : clusterForServer(entry.server, clusters);
    }
    // Dropping a destination only narrows where the project's apps may go.
    if (cluster === undefined)
      notes.push(`destinations[${i}] dropped: its server is not a cluster of this import or of Tiphys`);
    else out.push({ cluster, namespace });
  }
  return out;
}

/** A role's policy line, if it grants only on this project's objects to this role. */
function ownPolicy(line: string, project: string, role: string): boolean {
  const fields = line.split(',').map((f) => f.trim());
  return (
    fields.length === 6 &&
    fields[0] === 'p' &&
    fields[1] === `proj:${project}:${role}` &&
    (fields[4] === project || fields[4].startsWith(`${project}/`)) &&
    (fields[5] === 'allow' || fields[5] === 'deny')
  );
}

function roles(list: unknown, project: string, notes: string[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const entry of Array.isArray(list) ? list : []) {
    if (!isRecord(entry) || typeof entry.name !== 'string') continue;
    const policies = (Array.isArray(entry.policies) ? entry.policies : []).filter(
      (p): p is string => typeof p === 'string',
    );
    const kept = policies.filter((p) => ownPolicy(p, project, entry.name as string));
    if (kept.length < policies.length) {
      notes.push(
        `role ${entry.name}: ${policies.length - kept.length} policy line(s) dropped: a project role may only grant on its own project's objects`,
      );
    }
    if (Array.isArray(entry.jwtTokens) && entry.jwtTokens.length > 0) {
      notes.push(`role ${entry.name}: its JWT tokens are not imported (issue new ones with Tiphys)`);
    }
    out.push({
      name: entry.name,
      ...(typeof entry.description === 'string' ? { description: entry.description } : {}),
      ...(kept.length > 0 ? { policies: kept } : {}),
      ...(Array.isArray(entry.groups) ? { groups: entry.groups } : {}),
    });
  }
  return out;
}

export interface TranslatedProject {
  planned: PlannedObject;
  /** Argo CD's sourceNamespaces: which namespaces' Applications may use the project. */
  sourceNamespaces: string[];
}

export function translateProject(
  obj: ArgoObject,
  from: string,
  ctx: { namespace: string; clusters: { name: string; server: string }[]; clusterNames: Map<string, string> },
): Outcome<TranslatedProject> {
  const name = String(obj.metadata?.name ?? '');
  const spec = isRecord(obj.spec) ? obj.spec : {};
  const reasons: string[] = [];
  const notes: string[] = [];
  for (const [key, why] of Object.entries(REFUSING)) {
    if (spec[key] !== undefined && !(Array.isArray(spec[key]) && spec[key].length === 0))
      reasons.push(`spec.${key}: ${why}`);
  }
  const windows = Array.isArray(spec.syncWindows) ? spec.syncWindows.filter(isRecord) : [];
  if (windows.some((w) => w.andOperator === true)) {
    reasons.push(
      'spec.syncWindows: andOperator is not supported (Tiphys matches a window on any of its lists)',
    );
  }
  const out: Record<string, unknown> = {};
  for (const key of COPIED) if (spec[key] !== undefined) out[key] = spec[key];
  for (const key of Object.keys(spec)) {
    if (key in DROPPED && spec[key] !== undefined) notes.push(`spec.${key} dropped: ${DROPPED[key]}`);
    else if (
      !(COPIED as readonly string[]).includes(key) &&
      !(key in REFUSING) &&
      !['destinations', 'roles', 'syncWindows'].includes(key)
    ) {
      reasons.push(`spec.${key} is not supported`);
    }
  }
  if (spec.destinations !== undefined)
    out.destinations = destinations(spec.destinations, ctx.clusters, ctx.clusterNames, notes);
  if (spec.roles !== undefined) out.roles = roles(spec.roles, name, notes);
  if (windows.length > 0) out.syncWindows = windows.map(({ andOperator: _and, ...w }) => w);
  const labelProblems: string[] = [];
  const labels = stringMap(obj.metadata?.labels, 'metadata.labels', labelProblems);
  reasons.push(...labelProblems);
  const project = {
    apiVersion: API_VERSION,
    kind: 'AppProject',
    metadata: { name, namespace: ctx.namespace, ...(labels ? { labels } : {}) },
    spec: out,
  } as AppProject;
  reasons.push(...validateAppProject(project));
  if (reasons.length > 0) return { reasons };
  const sourceNamespaces = (Array.isArray(spec.sourceNamespaces) ? spec.sourceNamespaces : []).filter(
    (n): n is string => typeof n === 'string',
  );
  return {
    ok: { planned: { kind: 'AppProject', name, from, object: project as never, notes }, sourceNamespaces },
  };
}

const RBAC_KEPT = /^(policy(\.[A-Za-z0-9_-]+)?\.csv|policy\.default|scopes)$/;

/** argocd-rbac-cm as tiphys-rbac: the same CSV lines, keys and default role. */
export function translateRbacConfigMap(
  obj: ArgoObject,
  from: string,
  namespace: string,
): Outcome<PlannedObject> {
  const problems: string[] = [];
  const data = stringMap(obj.data, 'data', problems) ?? {};
  if (problems.length > 0) return { reasons: problems };
  if (data['policy.matchMode'] && data['policy.matchMode'] !== 'glob') {
    return {
      reasons: [`policy.matchMode ${data['policy.matchMode']} is not supported (Tiphys matches globs)`],
    };
  }
  const notes: string[] = [];
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) {
    if (RBAC_KEPT.test(key)) kept[key] = value;
    else if (key !== 'policy.matchMode') notes.push(`data.${key} dropped: not supported`);
  }
  return {
    ok: {
      kind: 'ConfigMap',
      name: RBAC_CONFIGMAP_NAME,
      from,
      object: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: RBAC_CONFIGMAP_NAME, namespace },
        data: kept,
      } as never,
      notes,
    },
  };
}

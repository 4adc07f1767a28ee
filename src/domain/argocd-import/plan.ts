// The import plan (pure): Argo CD objects in, Tiphys objects, credentials Secrets and the list of
// what was refused or ignored out. Clusters first (Applications and projects name them by server
// URL), then projects (Applications are checked against them), then Applications and sets.
import type { AppProjectSpec } from '../../core/model/app-project.ts';
import {
  ARGOCD_GROUP,
  ARGOCD_RBAC_CONFIGMAP,
  ARGOCD_SECRET_TYPE_LABEL,
  type ArgoObject,
  describeSource,
  type ImportPlan,
  type ImportTarget,
  isObjectName,
  isRecord,
  type PlannedObject,
  type PlannedSecret,
} from './plan-types.ts';
import { type ProjectRules, translateApplication, translateApplicationSet } from './translate-apps.ts';
import { translateProject, translateRbacConfigMap } from './translate-project.ts';
import { translateClusterSecret, translateRepositorySecret } from './translate-secrets.ts';

type Sorted = Record<'apps' | 'projects' | 'sets' | 'repos' | 'clusters' | 'rbac', ArgoObject[]>;

function sort(objects: ArgoObject[], plan: ImportPlan, argoNamespace: string): Sorted {
  const sorted: Sorted = { apps: [], projects: [], sets: [], repos: [], clusters: [], rbac: [] };
  for (const obj of objects) {
    const from = describeSource(obj, argoNamespace);
    const name = obj.metadata?.name;
    if (!isRecord(obj) || !isRecord(obj.metadata) || typeof name !== 'string' || !isObjectName(name)) {
      plan.refused.push({ from, reasons: ['metadata.name is missing or not a Kubernetes name'] });
      continue;
    }
    const group = typeof obj.apiVersion === 'string' ? obj.apiVersion.split('/')[0] : '';
    const secretType = isRecord(obj.metadata.labels)
      ? obj.metadata.labels[ARGOCD_SECRET_TYPE_LABEL]
      : undefined;
    if (group === ARGOCD_GROUP && obj.kind === 'Application') sorted.apps.push(obj);
    else if (group === ARGOCD_GROUP && obj.kind === 'AppProject') sorted.projects.push(obj);
    else if (group === ARGOCD_GROUP && obj.kind === 'ApplicationSet') sorted.sets.push(obj);
    else if (obj.apiVersion === 'v1' && obj.kind === 'Secret' && secretType === 'repository')
      sorted.repos.push(obj);
    else if (obj.apiVersion === 'v1' && obj.kind === 'Secret' && secretType === 'cluster')
      sorted.clusters.push(obj);
    else if (obj.apiVersion === 'v1' && obj.kind === 'Secret' && secretType !== undefined) {
      plan.refused.push({
        from,
        reasons: [
          `secret-type ${String(secretType)} is not supported (repository credential templates and write credentials are not; register each repository)`,
        ],
      });
    } else if (obj.apiVersion === 'v1' && obj.kind === 'ConfigMap' && name === ARGOCD_RBAC_CONFIGMAP)
      sorted.rbac.push(obj);
    else
      plan.ignored.push({
        from,
        reasons: ['not an Argo CD object the import reads; nothing of it is written'],
      });
  }
  return sorted;
}

/** Two Argo CD objects that would become one Tiphys object: neither is imported. */
function dropCollisions<T extends { name: string; from: string }>(
  items: T[],
  what: string,
  plan: ImportPlan,
): T[] {
  const count = new Map<string, number>();
  for (const item of items) count.set(item.name, (count.get(item.name) ?? 0) + 1);
  return items.filter((item) => {
    if ((count.get(item.name) ?? 0) < 2) return true;
    plan.refused.push({
      from: item.from,
      reasons: [`another object of the import also becomes ${what} ${item.name}; neither is imported`],
    });
    return false;
  });
}

export function planImport(objects: ArgoObject[], target: ImportTarget): ImportPlan {
  const plan: ImportPlan = {
    namespace: target.namespace,
    secrets: [],
    objects: [],
    refused: [],
    ignored: [],
  };
  const { argoNamespace, namespace } = target;
  const sorted = sort(objects, plan, argoNamespace);
  const from = (obj: ArgoObject) => describeSource(obj, argoNamespace);

  const clusters = [...target.clusters];
  const clusterNames = new Map<string, string>();
  const newClusters: PlannedObject[] = [];
  const secrets: PlannedSecret[] = [];
  for (const obj of sorted.clusters) {
    const result = translateClusterSecret(obj, from(obj), namespace);
    if ('inCluster' in result) {
      plan.ignored.push({
        from: from(obj),
        reasons: ["Argo CD's own cluster: Tiphys's in-cluster needs no registration"],
      });
    } else if ('reasons' in result) plan.refused.push({ from: from(obj), reasons: result.reasons });
    else {
      const { argoName, server, cluster, secret } = result.ok;
      const registered = target.clusters.find((c) => c.server.replace(/\/+$/, '') === server);
      // One of the same name is this import's own earlier work: apply finds it equal or a clash.
      if (registered && registered.name !== cluster.name) {
        clusterNames.set(argoName, registered.name);
        plan.ignored.push({
          from: from(obj),
          reasons: [`its server is already registered as Cluster ${registered.name}`],
        });
        continue;
      }
      clusterNames.set(argoName, cluster.name);
      if (!registered) clusters.push({ name: cluster.name, server });
      newClusters.push(cluster);
      if (secret) secrets.push(secret);
    }
  }
  for (const obj of sorted.repos) {
    const result = translateRepositorySecret(obj, from(obj));
    if ('reasons' in result) plan.refused.push({ from: from(obj), reasons: result.reasons });
    else secrets.push(result.ok);
  }
  plan.secrets = dropCollisions(secrets, 'Secret', plan);

  const projects = new Map<string, ProjectRules>(
    target.projects.map((p) => [p.name, { spec: p.spec as AppProjectSpec, sourceNamespaces: undefined }]),
  );
  const planned: PlannedObject[] = [...newClusters];
  const newProjects: PlannedObject[] = [];
  for (const obj of sorted.projects) {
    const result = translateProject(obj, from(obj), { namespace, clusters, clusterNames });
    if ('reasons' in result) {
      plan.refused.push({ from: from(obj), reasons: result.reasons });
      // Applications must not fall back on a Tiphys project of the same name.
      projects.delete(String(obj.metadata?.name));
      continue;
    }
    newProjects.push(result.ok.planned);
    projects.set(result.ok.planned.name, {
      spec: (result.ok.planned.object as unknown as { spec: AppProjectSpec }).spec,
      sourceNamespaces: result.ok.sourceNamespaces,
    });
  }
  planned.push(...newProjects);
  for (const obj of sorted.rbac) {
    const result = translateRbacConfigMap(obj, from(obj), namespace);
    if ('reasons' in result) plan.refused.push({ from: from(obj), reasons: result.reasons });
    else planned.push(result.ok);
  }
  const ctx = { namespace, argoNamespace, clusters, clusterNames, projects };
  for (const obj of sorted.apps) {
    const result = translateApplication(obj, from(obj), ctx);
    if ('reasons' in result) plan.refused.push({ from: from(obj), reasons: result.reasons });
    else planned.push(result.ok);
  }
  for (const obj of sorted.sets) {
    const result = translateApplicationSet(obj, from(obj), ctx);
    if ('reasons' in result) plan.refused.push({ from: from(obj), reasons: result.reasons });
    else planned.push(result.ok);
  }
  const byKind = new Map<string, PlannedObject[]>();
  for (const p of planned) byKind.set(p.kind, [...(byKind.get(p.kind) ?? []), p]);
  plan.objects = [...byKind.entries()].flatMap(([kind, items]) => dropCollisions(items, kind, plan));
  return plan;
}

/** The plan as a person reads it: names, sources, notes, Secret keys; never a Secret's values. */
export function describePlan(plan: ImportPlan, verb: string): string[] {
  const lines: string[] = [];
  for (const s of plan.secrets) {
    lines.push(
      `${verb} Secret ${s.name} (${s.purpose} credentials; keys ${Object.keys(s.data).sort().join(', ')}) from ${s.from}`,
    );
    for (const note of s.notes) lines.push(`    note: ${note}`);
  }
  for (const o of plan.objects) {
    lines.push(`${verb} ${o.kind} ${o.name} from ${o.from}`);
    for (const note of o.notes) lines.push(`    note: ${note}`);
  }
  if (plan.refused.length > 0) {
    lines.push(`not imported (${plan.refused.length}):`);
    for (const r of plan.refused) lines.push(`  ${r.from}: ${r.reasons.join('; ')}`);
  }
  if (plan.ignored.length > 0) {
    lines.push(`ignored (${plan.ignored.length}):`);
    for (const r of plan.ignored) lines.push(`  ${r.from}: ${r.reasons.join('; ')}`);
  }
  return lines;
}

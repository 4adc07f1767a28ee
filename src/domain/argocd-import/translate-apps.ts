// Argo CD Applications and ApplicationSets as Tiphys's. An Application must pass its project as
// it would have in Argo CD, and more strictly: its project must exist (in the import or in
// Tiphys), admit it from the namespace it lived in (`sourceNamespaces`), and permit its
// repository and destination. An import writes with the administrator's kubeconfig, past the API
// server's admission, so this is where a hostile export meets the project rules.

import type { AppProjectSpec } from '../../core/model/app-project.ts';
import { type Application, validateApplication } from '../../core/model/application.ts';
import { RESOURCES_FINALIZER } from '../../core/model/application-markers.ts';
import { validateApplicationSet } from '../../core/model/application-set.ts';
import { fromArgoFinalizers, fromArgoSpec } from '../../core/model/argocd-compat.ts';
import { API_VERSION, DEFAULT_PROJECT, IN_CLUSTER } from '../../core/model/common.ts';
import { globMatches, projectViolations } from '../../core/model/project-policy.ts';
import { type ArgoObject, isRecord, type PlannedObject, stringMap } from './plan-types.ts';

type Outcome<T> = { ok: T } | { reasons: string[] };

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export interface ProjectRules {
  spec: AppProjectSpec;
  /** undefined: a project already in Tiphys, which admits Applications of the control namespace only. */
  sourceNamespaces: string[] | undefined;
}

export interface AppContext {
  namespace: string;
  argoNamespace: string;
  clusters: { name: string; server: string }[];
  /** Argo CD cluster names to the Tiphys Cluster names they became. */
  clusterNames: Map<string, string>;
  projects: Map<string, ProjectRules>;
}

function metadataOf(obj: ArgoObject, ctx: AppContext, reasons: string[], notes: string[]) {
  const name = String(obj.metadata?.name ?? '');
  const labels = stringMap(obj.metadata?.labels, 'metadata.labels', reasons);
  const annotations = stringMap(obj.metadata?.annotations, 'metadata.annotations', reasons);
  // kubectl's copy of the Argo CD object would describe an object that no longer exists.
  if (annotations?.[LAST_APPLIED] !== undefined) {
    delete annotations[LAST_APPLIED];
    notes.push(`annotation ${LAST_APPLIED} dropped: it holds the Argo CD object`);
  }
  const rawFinalizers = obj.metadata?.finalizers;
  const finalizers = Array.isArray(rawFinalizers)
    ? fromArgoFinalizers(
        rawFinalizers.filter((f): f is string => typeof f === 'string'),
        RESOURCES_FINALIZER,
      )
    : undefined;
  if (obj.metadata?.ownerReferences !== undefined)
    notes.push('metadata.ownerReferences dropped: they name objects of the Argo CD cluster');
  return {
    name,
    namespace: ctx.namespace,
    ...(labels ? { labels } : {}),
    ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
    ...(finalizers && finalizers.length > 0 ? { finalizers } : {}),
  };
}

/** The project rules an Application from `sourceNamespace` must pass, or why it may not use it. */
function projectFor(name: string, sourceNamespace: string, ctx: AppContext): Outcome<ProjectRules> {
  const rules = ctx.projects.get(name);
  if (!rules) return { reasons: [`project ${name} is not in Tiphys and not imported`] };
  if (sourceNamespace !== ctx.argoNamespace) {
    const admitted = (rules.sourceNamespaces ?? []).some((pattern) => globMatches(pattern, sourceNamespace));
    if (!admitted) {
      return {
        reasons: [
          `it lived in namespace ${sourceNamespace}, and project ${name} does not admit Applications from there (sourceNamespaces); Argo CD would not have run it`,
        ],
      };
    }
  }
  return { ok: rules };
}

export function translateApplication(obj: ArgoObject, from: string, ctx: AppContext): Outcome<PlannedObject> {
  const reasons: string[] = [];
  const notes: string[] = [];
  const sourceNamespace =
    typeof obj.metadata?.namespace === 'string' ? obj.metadata.namespace : ctx.argoNamespace;
  const metadata = metadataOf(obj, ctx, reasons, notes);
  if (!isRecord(obj.spec)) return { reasons: ['spec must be an object'] };
  const spec: Record<string, unknown> = { ...obj.spec };
  if (spec.info !== undefined) notes.push('spec.info dropped: informational only');
  const destination = isRecord(spec.destination) ? { ...spec.destination } : undefined;
  if (destination && typeof destination.name === 'string' && ctx.clusterNames.has(destination.name)) {
    destination.name = ctx.clusterNames.get(destination.name);
  }
  const converted = fromArgoSpec({ ...spec, ...(destination ? { destination } : {}) }, ctx.clusters);
  if ('problem' in converted) return { reasons: [converted.problem] };
  if (obj.operation !== undefined)
    notes.push('operation dropped: a pending Argo CD operation is not carried over');
  const app = { apiVersion: API_VERSION, kind: 'Application', metadata, spec: converted.spec } as Application;
  reasons.push(...validateApplication(app));
  if (reasons.length > 0) return { reasons };
  const projectName = app.spec.project ?? DEFAULT_PROJECT;
  const project = projectFor(projectName, sourceNamespace, ctx);
  if ('reasons' in project) return project;
  // Every source's repository must be permitted, as the controller checks them.
  const sources = app.spec.sources ?? (app.spec.source ? [app.spec.source] : []);
  const violations = [
    ...new Set(
      sources.flatMap((source) =>
        projectViolations(projectName, project.ok.spec, {
          repoURL: source.repoURL,
          cluster: app.spec.destination.cluster ?? IN_CLUSTER,
          namespace: app.spec.destination.namespace ?? '',
        }),
      ),
    ),
  ];
  if (violations.length > 0) return { reasons: violations };
  return { ok: { kind: 'Application', name: metadata.name, from, object: app as never, notes } };
}

export function translateApplicationSet(
  obj: ArgoObject,
  from: string,
  ctx: AppContext,
): Outcome<PlannedObject> {
  const reasons: string[] = [];
  const notes: string[] = [];
  const sourceNamespace =
    typeof obj.metadata?.namespace === 'string' ? obj.metadata.namespace : ctx.argoNamespace;
  const metadata = metadataOf(obj, ctx, reasons, notes);
  if (!isRecord(obj.spec)) return { reasons: ['spec must be an object'] };
  const set = { apiVersion: API_VERSION, kind: 'ApplicationSet', metadata, spec: obj.spec };
  reasons.push(...validateApplicationSet(set));
  if (reasons.length > 0) return { reasons };
  // The set's generated apps are checked against the project by the controller each time; here
  // only that the project exists and admits the namespace the set came from.
  const template =
    isRecord(obj.spec.template) && isRecord(obj.spec.template.spec) ? obj.spec.template.spec : {};
  const projectName =
    typeof template.project === 'string' && template.project !== '' ? template.project : DEFAULT_PROJECT;
  if (!projectName.includes('{{')) {
    const project = projectFor(projectName, sourceNamespace, ctx);
    if ('reasons' in project) return project;
  }
  return { ok: { kind: 'ApplicationSet', name: metadata.name, from, object: set as never, notes } };
}

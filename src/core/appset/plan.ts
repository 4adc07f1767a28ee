// What an ApplicationSet reconcile changes, decided from the generated apps and the live ones.
// Safety rules (docs/fleet.md): a generation that is wrong as a whole (duplicate names, more
// apps than the cap, a project that is not fixed) changes nothing; an app another owner already
// has, or one the set's project forbids, is refused alone; the policy says whether the set
// creates, updates and deletes; deletions only touch apps this set owns, by uid.
import type { AppProjectSpec } from '../model/app-project.ts';
import { repoURLsOf } from '../model/app-sources.ts';
import type { Application } from '../model/application.ts';
import { type ApplicationSet, ApplicationsSyncPolicy } from '../model/application-set.ts';
import { API_VERSION, DEFAULT_PROJECT, IN_CLUSTER } from '../model/common.ts';
import { projectViolations } from '../model/project-policy.ts';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

type WithOwners = { metadata: { ownerReferences?: OwnerReference[] } };

export interface PlanInput {
  set: ApplicationSet;
  generated: Application[];
  /** Every Application of the control namespace. */
  existing: Application[];
  /** The set's project as read now; undefined when it does not exist. */
  projectSpec: AppProjectSpec | undefined;
  /** The most apps this set may have (its own maxApplications, bounded by the controller's). */
  maxApplications: number;
}

export interface SetPlan {
  /** Set when nothing may change this time, saying why. */
  refusal?: string;
  create: Application[];
  update: Application[];
  delete: Application[];
  /** Generated apps not written, each with the reason. */
  refused: { name: string; message: string }[];
  /** Apps this set owns now. */
  owned: Application[];
  /** The generated apps that may be written (refused ones left out), by name. */
  desired: Map<string, Application>;
}

/** The project every app of the set belongs to: the template's, written as a fixed name. */
export function setProject(set: ApplicationSet): string | { problem: string } {
  const project = set.spec.template.spec.project;
  if (project === undefined || project === '') return DEFAULT_PROJECT;
  if (typeof project !== 'string' || project.includes('{{')) {
    return { problem: 'spec.template.spec.project must be a fixed project name, not a parameter' };
  }
  return project;
}

export function isOwnedBy(app: Application, set: ApplicationSet): boolean {
  const uid = set.metadata.uid;
  return (
    uid !== undefined &&
    ((app as WithOwners).metadata.ownerReferences ?? []).some(
      (o) => o.kind === 'ApplicationSet' && o.uid === uid,
    )
  );
}

export function ownerReference(set: ApplicationSet): OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: 'ApplicationSet',
    name: set.metadata.name,
    uid: set.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function planSet(input: PlanInput): SetPlan {
  const { set, generated, existing } = input;
  const owned = existing.filter((app) => isOwnedBy(app, set));
  const empty: SetPlan = { create: [], update: [], delete: [], refused: [], owned, desired: new Map() };
  const project = setProject(set);
  if (typeof project !== 'string') return { ...empty, refusal: project.problem };
  const names = new Map<string, number>();
  for (const app of generated) names.set(app.metadata.name, (names.get(app.metadata.name) ?? 0) + 1);
  const duplicates = [...names].filter(([, n]) => n > 1).map(([name]) => name);
  if (duplicates.length > 0) {
    return {
      ...empty,
      refusal: `the generators make more than one app named ${duplicates.slice(0, 5).join(', ')}`,
    };
  }
  if (generated.length > input.maxApplications) {
    return {
      ...empty,
      refusal: `the generators make ${generated.length} apps, more than the limit of ${input.maxApplications}`,
    };
  }
  if (!input.projectSpec) return { ...empty, refusal: `project ${project} does not exist` };
  const live = new Map(existing.map((app) => [app.metadata.name, app]));
  const plan: SetPlan = { ...empty };
  for (const app of generated) {
    const name = app.metadata.name;
    const problem = appRefusal(app, project, input.projectSpec, live.get(name), set);
    if (problem) {
      plan.refused.push({ name, message: problem });
      continue;
    }
    const desired = withOwner(app, set);
    plan.desired.set(name, desired);
    const current = live.get(name);
    if (!current) plan.create.push(desired);
    else if (differs(current, desired)) plan.update.push(desired);
  }
  const policy = set.spec.syncPolicy?.applicationsSync ?? ApplicationsSyncPolicy.Sync;
  const mayUpdate = policy === ApplicationsSyncPolicy.Sync || policy === ApplicationsSyncPolicy.CreateUpdate;
  const mayDelete = policy === ApplicationsSyncPolicy.Sync || policy === ApplicationsSyncPolicy.CreateDelete;
  if (!mayUpdate) plan.update = [];
  const refusedNames = new Set(plan.refused.map((r) => r.name));
  // An owned app whose generated version is refused stays as it is: refusing is not deleting.
  if (mayDelete)
    plan.delete = owned.filter(
      (app) => !names.has(app.metadata.name) && !refusedNames.has(app.metadata.name),
    );
  return plan;
}

function appRefusal(
  app: Application,
  project: string,
  projectSpec: AppProjectSpec,
  current: Application | undefined,
  set: ApplicationSet,
): string | undefined {
  if (current && !isOwnedBy(current, set)) {
    return `Application ${app.metadata.name} already exists and does not belong to this set; it is left alone`;
  }
  const appProject = app.spec.project || DEFAULT_PROJECT;
  if (appProject !== project)
    return `the set may only generate apps in project ${project}, not ${appProject}`;
  const problems = projectViolations(project, projectSpec, {
    repoURL: repoURLsOf(app.spec),
    cluster: app.spec.destination.cluster || IN_CLUSTER,
    namespace: app.spec.destination.namespace ?? '',
  });
  return problems.length > 0 ? problems.join('; ') : undefined;
}

function withOwner(app: Application, set: ApplicationSet): Application {
  const metadata = { ...app.metadata, ownerReferences: [ownerReference(set)] };
  return { ...app, metadata } as Application;
}

/** Whether the live app differs from the generated one in what the template decides. */
export function differs(current: Application, desired: Application): boolean {
  if (!sameJson(current.spec, desired.spec)) return true;
  if (!sameJson(current.metadata.labels ?? {}, desired.metadata.labels ?? {})) return true;
  const annotations = current.metadata.annotations ?? {};
  if (Object.entries(desired.metadata.annotations ?? {}).some(([k, v]) => annotations[k] !== v)) return true;
  const finalizers = current.metadata.finalizers ?? [];
  return (desired.metadata.finalizers ?? []).some((f) => !finalizers.includes(f));
}

export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

/** JSON with keys sorted, so two equal objects written in another order compare equal. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

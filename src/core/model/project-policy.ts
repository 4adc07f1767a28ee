// What an AppProject allows an Application to do (pure): which repositories it may deploy
// from, where to, and which kinds of objects. Used by the controller before anything is
// applied and by the API server before a write is accepted.
import { wildcardMatch } from '../glob/glob.ts';
import type { AppProjectSpec } from './app-project.ts';
import { IN_CLUSTER } from './common.ts';

/**
 * A glob where `*` matches any run of characters (slashes included) and `?` one character. Matched
 * in one pass over the value (src/core/glob): a tenant's pattern cannot stall the controller.
 */
export function globMatches(pattern: string, value: string): boolean {
  return wildcardMatch(pattern, value);
}

export interface ProjectSubject {
  /** The app's repository, or every repository of an app with several sources. */
  repoURL: string | readonly string[];
  cluster: string;
  namespace: string;
  /** The kinds the render produced, with their scope. */
  kinds?: { group: string; kind: string; namespaced: boolean }[];
}

const kindListMatches = (
  list: { group?: string; kind?: string }[] | undefined,
  group: string,
  kind: string,
) =>
  (list ?? []).some(
    (entry) => globMatches(entry.group ?? '*', group) && globMatches(entry.kind ?? '*', kind),
  );

/**
 * The reasons a project refuses an Application (empty when allowed), each naming what is not
 * permitted, as Argo CD users expect: repositories and destinations must be listed; cluster-scoped
 * kinds must be whitelisted; namespaced kinds are allowed unless blacklisted or off a whitelist.
 */
export function projectViolations(
  projectName: string,
  spec: AppProjectSpec,
  subject: ProjectSubject,
): string[] {
  const problems: string[] = [];
  const repoURLs = typeof subject.repoURL === 'string' ? [subject.repoURL] : subject.repoURL;
  for (const repoURL of repoURLs) {
    if (!(spec.sourceRepos ?? []).some((pattern) => globMatches(pattern, repoURL)))
      problems.push(`repository ${repoURL} is not permitted in project ${projectName}`);
  }
  const destinationAllowed = (spec.destinations ?? []).some(
    (d) =>
      globMatches(d.cluster ?? '*', subject.cluster) && globMatches(d.namespace ?? '*', subject.namespace),
  );
  if (!destinationAllowed) {
    problems.push(
      `destination cluster ${subject.cluster}, namespace ${subject.namespace || '(none)'} is not permitted in project ${projectName}`,
    );
  }
  const seen = new Set<string>();
  for (const { group, kind, namespaced } of subject.kinds ?? []) {
    const id = `${group}/${kind}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const allowed = namespaced
      ? !kindListMatches(spec.namespaceResourceBlacklist, group, kind) &&
        (spec.namespaceResourceWhitelist === undefined ||
          kindListMatches(spec.namespaceResourceWhitelist, group, kind))
      : kindListMatches(spec.clusterResourceWhitelist, group, kind) &&
        !kindListMatches(spec.clusterResourceBlacklist, group, kind);
    if (!allowed) {
      problems.push(
        `${namespaced ? 'namespaced' : 'cluster-scoped'} kind ${group ? `${group}/` : ''}${kind} is not permitted in project ${projectName}`,
      );
    }
  }
  return problems;
}

/** One object of a render, as the project check sees it (scope from discovery or a CRD). */
export interface RenderedObjectRef {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  namespaced: boolean;
}

/** Refusals listed in full; past this many, the rest are counted (a condition stays readable). */
const LISTED_REFUSALS = 10;

/**
 * The project's refusals of a render, one per object (empty when every object is allowed). Each
 * names the object and the rule: a namespaced object must live in a namespace the project lists
 * as a destination on this cluster and be of a kind not blacklisted (nor off a whitelist); a
 * cluster-scoped object must be of a whitelisted kind. Objects are checked where they will be
 * written, after the destination namespace was defaulted, so a namespace written in the manifest
 * (plain YAML, Kustomize `namespace:`, a Helm template, a hook) is what counts.
 */
export function renderViolations(
  projectName: string,
  spec: AppProjectSpec,
  cluster: string,
  objects: readonly RenderedObjectRef[],
): string[] {
  const problems: string[] = [];
  for (const obj of objects) {
    const rule = objectRefusal(projectName, spec, cluster, obj);
    if (rule) problems.push(`${describeObject(obj)}: ${rule}`);
  }
  if (problems.length <= LISTED_REFUSALS) return problems;
  return [...problems.slice(0, LISTED_REFUSALS), `and ${problems.length - LISTED_REFUSALS} more objects`];
}

function objectRefusal(
  projectName: string,
  spec: AppProjectSpec,
  cluster: string,
  obj: RenderedObjectRef,
): string | undefined {
  const kindName = `${obj.group ? `${obj.group}/` : ''}${obj.kind}`;
  if (!obj.namespaced) {
    const allowed =
      kindListMatches(spec.clusterResourceWhitelist, obj.group, obj.kind) &&
      !kindListMatches(spec.clusterResourceBlacklist, obj.group, obj.kind);
    return allowed ? undefined : `cluster-scoped kind ${kindName} is not permitted in project ${projectName}`;
  }
  const destination = (spec.destinations ?? []).some(
    (d) => globMatches(d.cluster ?? '*', cluster) && globMatches(d.namespace ?? '*', obj.namespace),
  );
  if (!destination) {
    return `namespace ${obj.namespace || '(none)'} is not a destination of project ${projectName}${cluster === IN_CLUSTER ? '' : ` on cluster ${cluster}`}`;
  }
  const kindAllowed =
    !kindListMatches(spec.namespaceResourceBlacklist, obj.group, obj.kind) &&
    (spec.namespaceResourceWhitelist === undefined ||
      kindListMatches(spec.namespaceResourceWhitelist, obj.group, obj.kind));
  return kindAllowed ? undefined : `namespaced kind ${kindName} is not permitted in project ${projectName}`;
}

function describeObject(obj: RenderedObjectRef): string {
  const name = obj.name || '(generated name)';
  return `${obj.kind} ${obj.namespaced && obj.namespace ? `${obj.namespace}/` : ''}${name}`;
}

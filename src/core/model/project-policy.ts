// What an AppProject allows an Application to do (pure): which repositories it may deploy
// from, where to, and which kinds of objects. Used by the controller before anything is
// applied and by the API server before a write is accepted.
import { wildcardMatch } from '../glob/glob.ts';
import type { AppProjectSpec } from './app-project.ts';

/**
 * A glob where `*` matches any run of characters (slashes included) and `?` one character. Matched
 * in one pass over the value (src/core/glob): a tenant's pattern cannot stall the controller.
 */
export function globMatches(pattern: string, value: string): boolean {
  return wildcardMatch(pattern, value);
}

export interface ProjectSubject {
  repoURL: string;
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
  if (!(spec.sourceRepos ?? []).some((pattern) => globMatches(pattern, subject.repoURL))) {
    problems.push(`repository ${subject.repoURL} is not permitted in project ${projectName}`);
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

// Several sources in one Application (`spec.sources`, as Argo CD has them), pure rules: which
// sources render, how helm value files name another source (`$REF/path`), and the one revision
// string that names every source's revision, so status, history and rollback need no new field.

import { isArtifactSource } from '../oci/artifact-source.ts';
import type {
  ApplicationSource,
  ApplicationSpec,
  ResolvedApplicationSpec,
  ResolvedSource,
} from './application.ts';

/**
 * Separates the sources' revisions in an app's revision. Resolved revisions are commit SHAs and
 * `VERSION@sha256:DIGEST`, which never hold it, so the split is exact.
 */
export const REVISION_SEPARATOR = ';';

/** A source that only lends its files to value files of other sources: a ref and no path. */
export function isRefOnly(source: Partial<ApplicationSource>): boolean {
  return source.ref !== undefined && !source.path && source.chart === undefined;
}

/** Every source of a resolved spec, in order: `sources`, else the one `source`. */
export function sourcesOf(spec: ResolvedApplicationSpec): ResolvedSource[] {
  return spec.sources ?? [spec.source];
}

/** The repositories an Application reads, each once (the project must permit every one). */
export function repoURLsOf(spec: Partial<ApplicationSpec>): string[] {
  const all = spec.sources ?? (spec.source ? [spec.source] : []);
  return [...new Set(all.map((source) => source.repoURL))];
}

/** `$values/env/prod.yaml` → { ref: 'values', path: 'env/prod.yaml' }; undefined for a plain path. */
export function valueFileRef(file: string): { ref: string; path: string } | undefined {
  if (!file.startsWith('$')) return undefined;
  const slash = file.indexOf('/');
  if (slash < 0) return { ref: file.slice(1), path: '' };
  return { ref: file.slice(1, slash), path: file.slice(slash + 1) };
}

/** The problems of a `spec.sources` list as a whole (each source is checked on its own too). */
export function sourcesProblems(sources: Partial<ApplicationSource>[]): string[] {
  const problems: string[] = [];
  const refs = new Map<string, number>();
  for (const [i, source] of sources.entries()) {
    if (source.ref === undefined) continue;
    if (source.chart !== undefined)
      problems.push(`spec.sources[${i}].ref: a chart source cannot be a ref; refs name Git sources`);
    else if (isArtifactSource(source))
      problems.push(`spec.sources[${i}].ref: an OCI artifact source cannot be a ref; refs name Git sources`);
    const first = refs.get(source.ref);
    if (first !== undefined)
      problems.push(
        `spec.sources[${i}].ref: ${JSON.stringify(source.ref)} is also the ref of sources[${first}]`,
      );
    else refs.set(source.ref, i);
  }
  if (sources.length > 0 && sources.every(isRefOnly))
    problems.push('spec.sources: every source is a ref without a path; at least one must render');
  for (const [i, source] of sources.entries()) {
    for (const file of source.helm?.valueFiles ?? []) {
      const named = valueFileRef(file);
      if (!named) continue;
      if (!refs.has(named.ref))
        problems.push(
          `spec.sources[${i}].helm.valueFiles: ${JSON.stringify(file)} names $${named.ref}, which no source has as ref`,
        );
      else if (named.path === '' || named.path.startsWith('/'))
        problems.push(
          `spec.sources[${i}].helm.valueFiles: ${JSON.stringify(file)} must name a file relative to the ref's repository`,
        );
    }
  }
  return problems;
}

/** One revision naming each source's, in the sources' order. */
export function joinRevisions(revisions: readonly string[]): string {
  return revisions.join(REVISION_SEPARATOR);
}

/**
 * The sources' revisions in an app's revision (a history entry's, for a rollback). Throws a
 * message saying what is expected when the count does not match the sources.
 */
export function splitRevisions(revision: string, count: number): string[] {
  const parts = revision.split(REVISION_SEPARATOR).map((part) => part.trim());
  if (parts.length !== count || parts.some((part) => part === '')) {
    throw new Error(
      `revision ${JSON.stringify(revision)} does not name a revision for each of the ${count} sources (REV1${REVISION_SEPARATOR}REV2…, in the order of spec.sources)`,
    );
  }
  return parts;
}

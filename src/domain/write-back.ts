// Write-back: the one way Tiphys changes a config repository (image updates, `tiphys image set`,
// promotions). Every write is made in the name of an AppProject and only to a repository the
// project lists in sourceRepos, so a tenant's automation cannot commit to another team's
// repository; the credentials are the control namespace's repository Secrets, never the caller's.
import type { CommitEditRequest, CommitEditResult, GitWriter } from '../adapters/git/commit-edit.ts';
import type { GitCredentials } from '../adapters/git/credentials.ts';
import type { AppProjectSpec } from '../core/model/app-project.ts';
import { globMatches } from '../core/model/project-policy.ts';
import { InvalidRequestError } from './errors.ts';

/** The project does not list the repository in sourceRepos. */
export class RepositoryNotPermittedError extends InvalidRequestError {
  override name = 'RepositoryNotPermittedError';
}

export interface WriteBackDeps {
  writer: GitWriter;
  /** The control namespace's credentials for a repository (undefined: anonymous). */
  credentialsFor: (repoURL: string) => Promise<GitCredentials | undefined>;
}

export interface ProjectRef {
  name: string;
  spec: AppProjectSpec;
}

/** Why the project may not write to the repository, or undefined when it may. */
export function writeRefusal(project: ProjectRef, repoURL: string): string | undefined {
  if ((project.spec.sourceRepos ?? []).some((pattern) => globMatches(pattern, repoURL))) return undefined;
  return `repository ${repoURL} is not permitted in project ${project.name} (not in its sourceRepos): nothing was written`;
}

/**
 * Commits `request.edit` to `request.branch` of `request.repoURL` for `project`: refused before
 * any Git call when the project does not permit the repository; retried on a rejected push;
 * never an empty commit (GitWriter.commitEdit).
 */
export async function commitEditForProject(
  deps: WriteBackDeps,
  project: ProjectRef,
  request: Omit<CommitEditRequest, 'credentials'>,
): Promise<CommitEditResult> {
  const refusal = writeRefusal(project, request.repoURL);
  if (refusal) throw new RepositoryNotPermittedError(refusal);
  const credentials = await deps.credentialsFor(request.repoURL);
  return deps.writer.commitEdit({ ...request, credentials });
}

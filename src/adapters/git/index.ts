// The Git adapter's public surface; everything else in this folder is an implementation detail.

export {
  type CommitEditRequest,
  type CommitEditResult,
  type FileWrites,
  GitWriter,
  type GitWriterOptions,
  PushRejectedError,
  type TreeReader,
} from './commit-edit.ts';
export type { GitCredentials } from './credentials.ts';
export {
  GitCommandError,
  GitError,
  GitTimeoutError,
  InvalidGitArgumentError,
  RevisionNotFoundError,
} from './errors.ts';
export { maskSecrets } from './mask.ts';
export {
  type CheckoutLease,
  type CheckoutLimits,
  GitRepoCache,
  type GitRepoCacheOptions,
  type GitStats,
  type ResolveOptions,
  type SweepReport,
} from './repo-cache.ts';
export { isFullSha, validateCommitSha, validateRevision } from './validate.ts';

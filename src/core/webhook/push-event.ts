import { createHmac, timingSafeEqual } from 'node:crypto';

export type GitProvider = 'github' | 'gitlab' | 'gitea';

/** What a push tells Tiphys: which repository (by every URL it is known by) and which ref moved. */
export interface PushEvent {
  provider: GitProvider;
  /** Full ref, e.g. refs/heads/main or refs/tags/v1. */
  ref: string;
  repoURLs: string[];
  defaultBranch?: string;
  /**
   * Files the push added, modified or removed, when the event lists them all; undefined when it
   * cannot say (no commit list, a list the provider cut short, a forced push, a new branch).
   */
  changedPaths?: string[];
}

export class WebhookError extends Error {
  override name = 'WebhookError';
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

type Headers = Record<string, string | string[] | undefined>;
const header = (headers: Headers, name: string): string | undefined => {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
};

function hmacMatches(secret: string, body: Buffer, signatureHex: string): boolean {
  const expected = createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(signatureHex, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function tokenMatches(secret: string, token: string): boolean {
  const a = Buffer.from(secret);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Reads a push event of GitHub, GitLab or Gitea and checks its shared secret (HMAC-SHA256 of the
 * body for GitHub and Gitea, the token header for GitLab). Returns undefined for events that are
 * not pushes (pings, issues…), which are acknowledged and ignored.
 */
export function parsePushEvent(
  headers: Headers,
  body: Buffer,
  secrets: Partial<Record<GitProvider, string>>,
): PushEvent | undefined {
  const provider = providerOf(headers);
  if (!provider)
    throw new WebhookError('unknown webhook sender: expected a GitHub, GitLab or Gitea event header', 400);
  const secret = secrets[provider];
  if (secret) {
    const valid =
      provider === 'gitlab'
        ? tokenMatches(secret, header(headers, 'x-gitlab-token') ?? '')
        : hmacMatches(
            secret,
            body,
            provider === 'github'
              ? (header(headers, 'x-hub-signature-256') ?? '').replace(/^sha256=/, '')
              : (header(headers, 'x-gitea-signature') ?? ''),
          );
    if (!valid)
      throw new WebhookError(
        `${provider} webhook: the signature or token does not match the shared secret`,
        401,
      );
  }
  const event = (
    header(headers, 'x-github-event') ??
    header(headers, 'x-gitea-event') ??
    header(headers, 'x-gitlab-event') ??
    ''
  ).toLowerCase();
  if (event !== 'push' && event !== 'push hook' && event !== 'tag push hook') return undefined;
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new WebhookError(`${provider} webhook: the body is not JSON`, 400);
  }
  const ref = typeof payload.ref === 'string' ? payload.ref : '';
  if (!ref) throw new WebhookError(`${provider} webhook: the push event has no ref`, 400);
  const repo = (provider === 'gitlab' ? payload.project : payload.repository) as
    | Record<string, unknown>
    | undefined;
  const urlFields =
    provider === 'gitlab'
      ? ['git_http_url', 'git_ssh_url', 'web_url', 'http_url']
      : ['clone_url', 'ssh_url', 'html_url', 'git_url'];
  const repoURLs = urlFields
    .map((field) => repo?.[field])
    .filter((url): url is string => typeof url === 'string' && url !== '');
  if (repoURLs.length === 0)
    throw new WebhookError(`${provider} webhook: the push event names no repository URL`, 400);
  const defaultBranch = typeof repo?.default_branch === 'string' ? repo.default_branch : undefined;
  const changedPaths = changedPathsOf(payload);
  return { provider, ref, repoURLs, defaultBranch, ...(changedPaths ? { changedPaths } : {}) };
}

/** GitHub lists at most 20 commits in a push event, GitLab at most 20 (total_commits_count says). */
const LISTED_COMMITS_LIMIT = 20;

function changedPathsOf(payload: Record<string, unknown>): string[] | undefined {
  const commits = payload.commits;
  if (!Array.isArray(commits) || commits.length === 0 || commits.length >= LISTED_COMMITS_LIMIT)
    return undefined;
  if (payload.forced === true || payload.created === true || payload.deleted === true) return undefined;
  const total = payload.total_commits_count;
  if (typeof total === 'number' && total !== commits.length) return undefined;
  const paths = new Set<string>();
  for (const commit of commits) {
    if (commit === null || typeof commit !== 'object') return undefined;
    for (const field of ['added', 'modified', 'removed']) {
      const list = (commit as Record<string, unknown>)[field];
      if (list === undefined) continue;
      if (!Array.isArray(list) || list.some((p) => typeof p !== 'string')) return undefined;
      for (const path of list as string[]) paths.add(path);
    }
  }
  return [...paths];
}

export function providerOf(headers: Headers): GitProvider | undefined {
  // Gitea also sends X-GitHub-Event for compatibility; its own header decides.
  if (header(headers, 'x-gitea-event')) return 'gitea';
  if (header(headers, 'x-gitlab-event')) return 'gitlab';
  if (header(headers, 'x-github-event')) return 'github';
  return undefined;
}

/** A URL reduced to host and path, so https, ssh and .git variants of one repo compare equal. */
export function normalizeRepoURL(url: string): string {
  let text = url.trim().toLowerCase();
  const scp = /^[^@/]+@([^:/]+):(.+)$/.exec(text);
  if (scp) text = `${scp[1]}/${scp[2]}`;
  else {
    try {
      const parsed = new URL(text);
      text = `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}`;
    } catch {
      // leave other forms (file paths) as they are
    }
  }
  return text.replace(/\/+$/, '').replace(/\.git$/, '');
}

/**
 * Whether a push moves the revision an Application follows: the same repository, and the pushed
 * branch or tag is its target revision (HEAD follows the default branch).
 */
export function pushMatches(event: PushEvent, repoURL: string, targetRevision: string): boolean {
  const wanted = normalizeRepoURL(repoURL);
  const pushedHere = event.repoURLs.some((url) => normalizeRepoURL(url) === wanted);
  if (!pushedHere) return false;
  const rev = targetRevision || 'HEAD';
  if (rev === 'HEAD')
    return event.defaultBranch === undefined || event.ref === `refs/heads/${event.defaultBranch}`;
  return event.ref === rev || event.ref === `refs/heads/${rev}` || event.ref === `refs/tags/${rev}`;
}

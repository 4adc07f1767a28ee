// Every argument that reaches `git` is checked here first, so nothing a user typed into an
// Application can be read by Git as an option or as a remote-helper command.
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { ALLOW_LOCAL_REPOS_HINT } from '../../core/model/repo-url.ts';
import { InvalidGitArgumentError } from './errors.ts';

const fullSha = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;
const shortSha = /^[0-9a-f]{4,63}$/i;
// What git-check-ref-format refuses anywhere in a name; `^{}` peeling is done by this adapter.
const refusedInRevision = /[~^:?*[\\]|\.\.|@\{/;
const maxRevisionLength = 1024;
const maxURLLength = 4096;
const allowedSchemes = new Set(['http:', 'https:', 'ssh:', 'git:', 'file:']);

function hasControlOrSpace(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code <= 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * Accepts '' and 'HEAD' (the remote's default branch), branch and tag names, `refs/…` names and
 * hex commit ids; returns the revision unchanged. Throws a terminal InvalidGitArgumentError
 * for anything Git could take as an option or that no ref can be named.
 */
export function validateRevision(revision: string): string {
  const quoted = JSON.stringify(revision);
  if (typeof revision !== 'string') throw new InvalidGitArgumentError(`revision ${quoted} is not a string`);
  if (revision.startsWith('-'))
    throw new InvalidGitArgumentError(
      `revision ${quoted} starts with '-', which Git would read as an option`,
    );
  if (revision.length > maxRevisionLength)
    throw new InvalidGitArgumentError(`revision is longer than ${maxRevisionLength} characters`);
  if (
    hasControlOrSpace(revision) ||
    refusedInRevision.test(revision) ||
    revision.startsWith('/') ||
    revision.endsWith('/') ||
    revision.endsWith('.') ||
    revision.endsWith('.lock') ||
    revision.includes('//')
  )
    throw new InvalidGitArgumentError(
      `revision ${quoted} is not a valid branch, tag or commit name (no spaces, '..', '~^:?*[\\', '@{')`,
    );
  return revision;
}

export function isFullSha(revision: string): boolean {
  return fullSha.test(revision);
}

export function isShortSha(revision: string): boolean {
  return shortSha.test(revision) && !fullSha.test(revision);
}

/** A full commit id, lower-cased; anything else is refused (terminal). */
export function validateCommitSha(sha: string): string {
  if (typeof sha !== 'string' || !isFullSha(sha))
    throw new InvalidGitArgumentError(`${JSON.stringify(sha)} is not a full commit id (40 or 64 hex digits)`);
  return sha.toLowerCase();
}

export type ParsedRepoURL = {
  /** What `git` is given and the mirror stores: never with a password. */
  url: string;
  /** sha256 of the normalised URL: the mirror's folder name. */
  key: string;
  /** Credentials that were embedded in an http(s) URL, moved out of it. */
  username?: string;
  password?: string;
};

/**
 * Validates a repository URL (http, https, ssh, git, scp-like `user@host:path`; file:// and local
 * paths only with `allowLocal`) and takes any `user:password@` out of an http(s) URL so it
 * travels through the askpass helper instead of the command line and the mirror's config.
 */
export function parseRepoURL(repoURL: string, options: { allowLocal?: boolean } = {}): ParsedRepoURL {
  const refuse = (why: string): never => {
    throw new InvalidGitArgumentError(`repository URL ${JSON.stringify(repoURL)} ${why}`);
  };
  const refuseLocal = (): void => {
    if (!options.allowLocal)
      refuse(`is a local path, which reads the controller's own disk (${ALLOW_LOCAL_REPOS_HINT})`);
  };
  if (typeof repoURL !== 'string' || repoURL === '') return refuse('is empty');
  if (repoURL.startsWith('-')) return refuse("starts with '-', which Git would read as an option");
  if (repoURL.length > maxURLLength) return refuse(`is longer than ${maxURLLength} characters`);
  if (hasControlOrSpace(repoURL)) return refuse('contains spaces or control characters');

  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repoURL)) {
    let parsed: URL;
    try {
      parsed = new URL(repoURL);
    } catch (error) {
      throw new InvalidGitArgumentError(`repository URL ${JSON.stringify(repoURL)} is malformed`, {
        cause: error,
      });
    }
    if (!allowedSchemes.has(parsed.protocol))
      return refuse(`uses ${parsed.protocol}//; use https, ssh, git or http`);
    if (parsed.protocol === 'file:') refuseLocal();
    else if (parsed.hostname === '' || parsed.hostname.startsWith('-')) return refuse('names no host');
    let username: string | undefined;
    let password: string | undefined;
    let url = repoURL;
    if (
      (parsed.protocol === 'http:' || parsed.protocol === 'https:') &&
      (parsed.username || parsed.password)
    ) {
      username = decodeURIComponent(parsed.username) || undefined;
      password = decodeURIComponent(parsed.password) || undefined;
      parsed.username = '';
      parsed.password = '';
      url = parsed.toString();
    } else if (parsed.password) {
      // ssh and git do not use a password from the URL; keep it out of the mirror's config.
      parsed.password = '';
      url = parsed.toString();
    }
    const normal = `${parsed.protocol}//${parsed.username ? `${parsed.username}@` : ''}${parsed.host}${parsed.pathname.replace(/\/+$/, '')}${parsed.search}`;
    return { url, key: hashKey(normal), username, password };
  }
  // `transport::address` runs a remote helper, e.g. ext::<command>.
  if (repoURL.includes('::')) return refuse("uses a remote helper ('::'), which is not allowed");
  // scp-like syntax: a ':' before any '/', as Git reads it.
  const colon = repoURL.indexOf(':');
  const slash = repoURL.indexOf('/');
  if (colon > 0 && (slash === -1 || colon < slash)) {
    const at = repoURL.lastIndexOf('@', colon);
    const host = repoURL.slice(at + 1, colon).toLowerCase();
    if (host === '' || host.startsWith('-')) return refuse('names no valid host');
    const normal = `${repoURL.slice(0, at + 1)}${host}:${repoURL.slice(colon + 1).replace(/\/+$/, '')}`;
    return { url: repoURL, key: hashKey(normal) };
  }
  refuseLocal();
  const path = resolve(repoURL);
  return { url: path, key: hashKey(`file://${path.replace(/\/+$/, '')}`) };
}

function hashKey(normalised: string): string {
  return createHash('sha256').update(normalised).digest('hex');
}

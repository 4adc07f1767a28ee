// Repository URLs as Tiphys reads them (pure): which schemes an Application may use, and which
// stored credentials belong to which repository. Both are security decisions, so both work on
// the parsed URL (scheme, host, port, path segments), never on string prefixes: as a prefix,
// `https://git.example.com` also starts `https://git.example.com.evil/` and
// `https://git.example.com@evil/`.

export type RepoScheme = 'https' | 'http' | 'ssh' | 'git' | 'file';

/** The parts of a repository URL that decide where Git connects. */
export interface RepoLocation {
  scheme: RepoScheme;
  /** Lower-cased; '' for local repositories. */
  host: string;
  /** The port Git connects to, explicit or the scheme's default ('' for local repositories). */
  port: string;
  /** Path segments, without empty ones; a final `.git` is dropped (`repo.git` is `repo`). */
  segments: string[];
}

const defaultPorts: Record<Exclude<RepoScheme, 'file'>, string> = {
  https: '443',
  http: '80',
  ssh: '22',
  git: '9418',
};

/** The schemes an Application's repoURL may use without the operator's say-so. */
export const REMOTE_SCHEMES: readonly RepoScheme[] = ['https', 'ssh', 'git', 'http'];

/** How the operator allows local repositories (for development and tests only). */
export const ALLOW_LOCAL_REPOS_HINT = 'start the controller and API server with --allow-local-repos';

/**
 * The location a URL names, or undefined when it is none Git would accept from Tiphys: a
 * remote-helper address (`ext::…`), an unknown scheme, or a remote with no host.
 */
export function parseRepoLocation(url: string): RepoLocation | undefined {
  if (url === '' || url.startsWith('-') || url.includes('::')) return undefined;
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  if (schemeMatch) {
    const scheme = schemeMatch[1].toLowerCase();
    if (scheme === 'file') return { scheme, host: '', port: '', segments: segmentsOf(url.slice(7)) };
    if (!(scheme in defaultPorts)) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return undefined;
    }
    if (parsed.hostname === '' || parsed.hostname.startsWith('-')) return undefined;
    const known = scheme as keyof typeof defaultPorts;
    return {
      scheme: known,
      host: parsed.hostname.toLowerCase(),
      port: parsed.port || defaultPorts[known],
      // Not decoded: `%2F` stays inside its segment, so it can never widen a match.
      segments: segmentsOf(parsed.pathname),
    };
  }
  // scp-like `[user@]host:path`, as Git reads it: a ':' before any '/'.
  const colon = url.indexOf(':');
  const slash = url.indexOf('/');
  if (colon > 0 && (slash === -1 || colon < slash)) {
    const host = url.slice(url.lastIndexOf('@', colon) + 1, colon).toLowerCase();
    if (host === '' || host.startsWith('-') || host.startsWith('[')) return undefined;
    return { scheme: 'ssh', host, port: defaultPorts.ssh, segments: segmentsOf(url.slice(colon + 1)) };
  }
  return { scheme: 'file', host: '', port: '', segments: segmentsOf(url) };
}

/** Path segments with `.` and `..` resolved, as the server resolves them. */
function segmentsOf(path: string): string[] {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '..') segments.pop();
    else if (segment !== '' && segment !== '.') segments.push(segment);
  }
  const last = segments.length - 1;
  if (last >= 0 && segments[last].endsWith('.git') && segments[last] !== '.git') {
    segments[last] = segments[last].slice(0, -4);
  }
  return segments;
}

/**
 * Why an Application may not use this repository URL, or undefined when it may. Remote
 * repositories over https, ssh (also `git@host:path`), git and http are allowed; local ones
 * (`file://`, a path) only when the operator allowed them, because they read the controller's
 * own disk.
 */
export function repoURLProblem(url: string, options: { allowLocal?: boolean } = {}): string | undefined {
  const quoted = JSON.stringify(url.length > 200 ? `${url.slice(0, 200)}…` : url);
  if (url.includes('::'))
    return `repository URL ${quoted} uses a Git remote helper ('::'), which is not allowed`;
  const location = parseRepoLocation(url);
  if (location === undefined) {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1];
    if (scheme && !['https', 'http', 'ssh', 'git', 'file'].includes(scheme.toLowerCase())) {
      return `repository URL ${quoted} uses ${scheme}://; use https, ssh, git or http`;
    }
    return `repository URL ${quoted} is not a valid Git URL`;
  }
  if (location.scheme === 'file' && !options.allowLocal) {
    return `repository URL ${quoted} is a local path, which reads the controller's own disk; use https, ssh, git or http (for local development, ${ALLOW_LOCAL_REPOS_HINT})`;
  }
  return undefined;
}

/**
 * How well stored credentials for `credentialURL` fit `repoURL`: undefined when they must not
 * be sent there, else the number of path segments they matched (the most specific wins).
 * Scheme, host and port must be equal; the credential's path must be a prefix of the
 * repository's in whole segments (`/team` covers `/team/app`, not `/team-b/app`).
 */
export function credentialMatch(credentialURL: string, repoURL: string): number | undefined {
  const credential = parseRepoLocation(credentialURL);
  const repo = parseRepoLocation(repoURL);
  if (credential === undefined || repo === undefined) return undefined;
  if (credential.scheme !== repo.scheme || credential.host !== repo.host || credential.port !== repo.port) {
    return undefined;
  }
  if (credential.segments.length > repo.segments.length) return undefined;
  for (let i = 0; i < credential.segments.length; i++) {
    if (credential.segments[i] !== repo.segments[i]) return undefined;
  }
  return credential.segments.length;
}

/** Of several credential URLs, the index of the one for `repoURL` (most path segments), or -1. */
export function bestCredentialMatch(credentialURLs: readonly string[], repoURL: string): number {
  let best = -1;
  let bestScore = -1;
  credentialURLs.forEach((url, index) => {
    const score = credentialMatch(url, repoURL);
    if (score !== undefined && score > bestScore) {
      best = index;
      bestScore = score;
    }
  });
  return best;
}

// Where a chart comes from when it is not in Git (pure): an HTTPS chart repository (`index.yaml`)
// or an OCI registry (`oci://host/path`), its name, and the revision a resolved chart is known
// by: `VERSION@sha256:DIGEST`, so status, history and rollback name the very bytes rendered.

export interface ChartLocation {
  kind: 'https' | 'oci';
  /** `host` or `host:port`, lower-cased: what credentials are matched on, exactly. */
  host: string;
  /** The repository URL without a trailing '/' (`https://charts.example.com/stable`, `oci://r.io/charts`). */
  repoURL: string;
  /** For OCI, the registry repository of the chart (`charts/nginx`); empty for HTTPS. */
  repository: string;
  chart: string;
}

const chartNamePattern = /^[a-z0-9]([a-z0-9._-]{0,126}[a-z0-9])?$/i;
// What a registry accepts as a repository path component.
const ociPathPattern = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/** Why a chart source is not usable, or undefined. */
export function chartSourceProblem(repoURL: string, chart: string): string | undefined {
  try {
    chartLocationOf(repoURL, chart);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Parses and checks a chart source; throws a message naming what is wrong. */
export function chartLocationOf(repoURL: string, chart: string): ChartLocation {
  const quoted = JSON.stringify(repoURL.length > 200 ? `${repoURL.slice(0, 200)}…` : repoURL);
  if (!chartNamePattern.test(chart)) {
    throw new Error(`chart name ${JSON.stringify(chart)} is invalid: letters, digits, '.', '_' and '-'`);
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(repoURL)?.[1]?.toLowerCase();
  if (scheme !== 'https' && scheme !== 'oci') {
    throw new Error(`chart repository URL ${quoted} must start with https:// or oci://`);
  }
  let url: URL;
  try {
    url = new URL(`https://${repoURL.slice(scheme.length + 3)}`);
  } catch {
    throw new Error(`chart repository URL ${quoted} is not a valid URL`);
  }
  if (url.username || url.password) {
    throw new Error(`chart repository URL ${quoted} holds credentials; put them in a repository Secret`);
  }
  if (url.search || url.hash) throw new Error(`chart repository URL ${quoted} has a query or fragment`);
  if (url.hostname === '' || url.hostname.startsWith('-'))
    throw new Error(`chart repository URL ${quoted} has no host`);
  const host = url.host.toLowerCase();
  const path = url.pathname.replace(/\/+$/, '');
  if (scheme === 'https') {
    return { kind: 'https', host, repoURL: `https://${host}${path}`, repository: '', chart };
  }
  const repository = [...path.split('/').filter(Boolean), chart].join('/');
  if (!ociPathPattern.test(repository)) {
    throw new Error(`chart repository URL ${quoted}: ${repository} is not a valid registry repository`);
  }
  return { kind: 'oci', host, repoURL: `oci://${host}${path}`, repository, chart };
}

/** Whether stored credentials for `credentialURL` may be sent to the chart's host: exactly it. */
export function chartCredentialMatches(credentialURL: string, location: ChartLocation): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(credentialURL)?.[1]?.toLowerCase();
  if (scheme !== 'https' && scheme !== 'oci') return false;
  try {
    const url = new URL(`https://${credentialURL.slice(scheme.length + 3)}`);
    return url.host.toLowerCase() === location.host && (scheme === location.kind || location.kind === 'oci');
  } catch {
    return false;
  }
}

export interface ChartRevision {
  version: string;
  /** `sha256:<hex>` of the chart archive. */
  digest: string;
}

const digestPattern = /^sha256:[0-9a-f]{64}$/;

export function formatChartRevision(revision: ChartRevision): string {
  return `${revision.version}@${revision.digest}`;
}

/** `1.2.3@sha256:…` (a resolved revision: history, rollback), else undefined. */
export function parseChartRevision(text: string): ChartRevision | undefined {
  const at = text.lastIndexOf('@');
  if (at <= 0) return undefined;
  const digest = text.slice(at + 1);
  if (!digestPattern.test(digest)) return undefined;
  return { version: text.slice(0, at), digest };
}

export function isDigest(text: string): boolean {
  return digestPattern.test(text);
}

/** Why a chart value file path may not be used, or undefined (pure; also used at validation). */
export function chartValueFileProblem(file: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file)) return 'remote value files are not supported';
  if (file.startsWith('/')) return 'an absolute path; name a file of the chart, like values-prod.yaml';
  if (normalizedPath(file).split('/')[0] === '..') return 'it climbs out of the chart';
  if (file.includes('\0') || file.trim() === '') return 'not a file name';
  return undefined;
}

/** A relative path with `.` and `..` segments resolved as far as they go (`a/../../b` → `../b`). */
function normalizedPath(file: string): string {
  const out: string[] = [];
  for (const part of file.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}

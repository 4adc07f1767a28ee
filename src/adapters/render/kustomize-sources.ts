// What a kustomization may load, checked before kustomize runs. kustomize fetches remote bases
// (`https://github.com/org/repo//path?ref=v1`, `github.com/org/repo`, `git@host:repo`) with git
// and remote files (`https://…` in patches, generators, openapi) over HTTP, and follows local
// bases wherever `../` leads; from the controller's machine that reaches its own network, other
// tenants' checkouts and the mirror cache. So every source is read here first: local ones must
// stay in the repository, remote ones must be allowed by the project's source repositories.
import { readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, parseDocument } from 'yaml';
import { globMatches } from '../../core/model/project-policy.ts';
import { RenderError } from './errors.ts';
import { assertNoEscapingSymlinks, isInside, repoRelative } from './paths.ts';

const kustomizationFiles = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
/** Kustomizations followed at most: a config repository has tens, not thousands. */
const maxKustomizations = 1_000;
const maxKustomizationBytes = 1024 * 1024;

/** Fields whose entries kustomize may load as another kustomization (a folder) or a file. */
const baseFields = ['resources', 'bases', 'components', 'transformers', 'generators', 'validators'];
/** Fields whose entries kustomize loads as files (or fetches, given an http(s) URL). */
const fileListFields = ['crds', 'patchesStrategicMerge', 'configurations'];

export interface KustomizeSources {
  /** Remote bases and files the project allowed, as written. */
  remote: string[];
}

/**
 * Reads the kustomization in `dir` and everything it loads, and refuses a local source that
 * leaves the repository (`..`, a symlink) and a remote one no pattern of `allowedRemote` (the
 * project's sourceRepos) matches. Returns the allowed remote sources.
 */
export async function checkKustomizeSources(
  repoRoot: string,
  dir: string,
  allowedRemote: readonly string[],
): Promise<KustomizeSources> {
  const remote: string[] = [];
  const visited = new Set<string>();
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop() as string;
    if (visited.has(current)) continue;
    visited.add(current);
    if (visited.size > maxKustomizations) {
      throw new RenderError(`the kustomization loads more than ${maxKustomizations} kustomizations`, {
        terminal: true,
      });
    }
    const kustomization = await readKustomization(repoRoot, current);
    if (kustomization === undefined) continue;
    await assertNoEscapingSymlinks(repoRoot, current);
    const where = repoRelative(repoRoot, kustomization.file);
    const check = async (entry: string, field: string, mayBeBase: boolean) => {
      const local = await localSource(
        repoRoot,
        current,
        entry,
        `${where}: ${field} ${JSON.stringify(entry)}`,
      );
      if (local === undefined) {
        allowRemote(entry, `${where}: ${field}`, allowedRemote);
        remote.push(entry);
      } else if (mayBeBase && local.isDirectory) pending.push(local.path);
    };
    for (const { field, entry, mayBeBase } of sourcesOf(kustomization.content)) {
      await check(entry, field, mayBeBase);
    }
  }
  return { remote };
}

/** Every path-like entry of a kustomization, with the field it came from. */
function sourcesOf(content: Record<string, unknown>): { field: string; entry: string; mayBeBase: boolean }[] {
  const found: { field: string; entry: string; mayBeBase: boolean }[] = [];
  const strings = (value: unknown): string[] =>
    Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  const objects = (value: unknown): Record<string, unknown>[] =>
    Array.isArray(value)
      ? value.filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null)
      : [];
  // Inline YAML (a transformer config written in place) has a newline; a path never does.
  const isPath = (entry: string) => !entry.includes('\n');
  for (const field of baseFields) {
    for (const entry of strings(content[field]).filter(isPath)) found.push({ field, entry, mayBeBase: true });
  }
  for (const field of fileListFields) {
    for (const entry of strings(content[field]).filter(isPath))
      found.push({ field, entry, mayBeBase: false });
  }
  for (const field of ['patches', 'patchesJson6902', 'replacements']) {
    for (const item of objects(content[field])) {
      if (typeof item.path === 'string')
        found.push({ field: `${field}.path`, entry: item.path, mayBeBase: false });
    }
  }
  for (const field of ['configMapGenerator', 'secretGenerator']) {
    for (const generator of objects(content[field])) {
      for (const file of strings(generator.files)) {
        // `key=path` names the key the file becomes.
        const entry = file.includes('=') ? file.slice(file.indexOf('=') + 1) : file;
        found.push({ field: `${field}.files`, entry, mayBeBase: false });
      }
      for (const entry of [
        ...strings(generator.envs),
        ...(typeof generator.env === 'string' ? [generator.env] : []),
      ]) {
        found.push({ field: `${field}.envs`, entry, mayBeBase: false });
      }
    }
  }
  const openapi = content.openapi as { path?: unknown } | undefined;
  if (typeof openapi?.path === 'string')
    found.push({ field: 'openapi.path', entry: openapi.path, mayBeBase: false });
  const helmGlobals = content.helmGlobals as { chartHome?: unknown } | undefined;
  if (typeof helmGlobals?.chartHome === 'string') {
    found.push({ field: 'helmGlobals.chartHome', entry: helmGlobals.chartHome, mayBeBase: false });
  }
  for (const chart of objects(content.helmCharts)) {
    if (typeof chart.repo === 'string')
      found.push({ field: 'helmCharts.repo', entry: chart.repo, mayBeBase: false });
  }
  return found;
}

async function readKustomization(
  repoRoot: string,
  dir: string,
): Promise<{ file: string; content: Record<string, unknown> } | undefined> {
  for (const name of kustomizationFiles) {
    const file = join(dir, name);
    let size: number;
    try {
      const stats = await stat(file);
      if (!stats.isFile()) continue;
      size = stats.size;
    } catch {
      continue;
    }
    const shown = repoRelative(repoRoot, file);
    if (size > maxKustomizationBytes) {
      throw new RenderError(`${shown} is larger than ${maxKustomizationBytes} bytes`, { terminal: true });
    }
    const doc = parseDocument(await readFile(file, 'utf8'));
    if (doc.errors.length > 0) {
      throw new RenderError(`${shown} is not valid YAML: ${doc.errors[0].message.split('\n')[0]}`, {
        terminal: true,
      });
    }
    if (!isMap(doc.contents)) return { file, content: {} };
    return { file, content: doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown> };
  }
  return undefined;
}

/**
 * The real path of a local source, or undefined when nothing by that name exists in the
 * repository (kustomize then reads it as a remote address). A source that exists but lies
 * outside the repository is refused.
 */
async function localSource(
  repoRoot: string,
  dir: string,
  entry: string,
  what: string,
): Promise<{ path: string; isDirectory: boolean } | undefined> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry) || entry.startsWith('git@') || entry.startsWith('git::')) {
    return undefined;
  }
  if (entry.startsWith('/')) {
    throw new RenderError(
      `${what} is an absolute path; sources must be relative and stay in the repository`,
      {
        terminal: true,
      },
    );
  }
  let real: string;
  try {
    real = await realpath(join(dir, entry));
  } catch {
    if (!isInside(repoRoot, join(dir, entry))) {
      throw new RenderError(`${what} leads outside the repository`, { terminal: true });
    }
    // Nothing in the repository has that name. kustomize then reads an address-like entry
    // (`github.com/org/repo`) as remote, and reports anything else as a missing file itself.
    if (looksRemote(entry)) return undefined;
    return { path: join(dir, entry), isDirectory: false };
  }
  if (!isInside(repoRoot, real)) {
    throw new RenderError(`${what} leads outside the repository (to ${real})`, { terminal: true });
  }
  return { path: real, isDirectory: (await stat(real)).isDirectory() };
}

/**
 * `host.name/path…` or `host:port/path…`: what kustomize may try as a remote address when no
 * such file exists.
 */
function looksRemote(entry: string): boolean {
  return /^[^/]*[.:][^/]*\/./.test(entry) && !entry.startsWith('.');
}

/**
 * The repository a remote kustomize address fetches from, in the form AppProject sourceRepos
 * are written (`https://github.com/org/repo`): no `git::`, no `//subfolder`, no `?ref=`.
 */
export function remoteRepoOf(address: string): string {
  let url = address.replace(/^git::/, '');
  url = url.replace(/[?#].*$/, '');
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0] ?? '';
  const rest = url.slice(scheme.length);
  const subfolder = rest.indexOf('//');
  let repo = subfolder === -1 ? rest : rest.slice(0, subfolder);
  // kustomize reads `github.com/org/repo/sub` as repository org/repo, folder sub.
  const known = /^((?:github\.com|gitlab\.com|bitbucket\.org)\/[^/]+\/[^/]+)\//.exec(repo);
  if (subfolder === -1 && known) repo = known[1];
  if (scheme === '' && !repo.startsWith('git@')) return `https://${repo}`;
  return `${scheme}${repo}`;
}

/** Refuses remote sources (of a render done earlier) that the project no longer allows. */
export function assertRemoteSourcesAllowed(
  addresses: readonly string[],
  allowedRemote: readonly string[],
): void {
  for (const address of addresses) allowRemote(address, 'kustomization', allowedRemote);
}

function allowRemote(address: string, where: string, allowedRemote: readonly string[]): void {
  const repo = remoteRepoOf(address);
  const candidates = new Set([
    address,
    repo,
    repo.replace(/\.git$/, ''),
    `${repo.replace(/\.git$/, '')}.git`,
  ]);
  const allowed = allowedRemote.some((pattern) =>
    [...candidates].some((candidate) => globMatches(pattern, candidate)),
  );
  if (!allowed) {
    throw new RenderError(
      `${where} ${JSON.stringify(address)} is a remote source (${repo}) that the project's source repositories do not allow; vendor it into the repository or add it to the project's sourceRepos`,
      { terminal: true },
    );
  }
}

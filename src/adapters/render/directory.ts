import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, matchesGlob, posix } from 'node:path';
import { isMap, parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../core/manifest/object.ts';
import { ManifestParseError, parseManifests } from '../../core/manifest/parse.ts';
import { RenderError } from './errors.ts';
import { realFileInsideRepo, repoRelative } from './paths.ts';
import type { DirectoryOptions, ResolvedRequest } from './types.ts';

/** Largest manifest file read; anything bigger is not hand-written config. */
export const maxManifestFileBytes = 8 * 1024 * 1024;

const manifestExtension = /\.(ya?ml|json)$/;

interface ManifestFile {
  /** Path relative to the app directory (what include/exclude match). */
  rel: string;
  abs: string;
}

/** Plain manifests: every .yaml, .yml and .json file of the app path, in path order. */
export async function renderDirectory(req: ResolvedRequest): Promise<KubeObject[]> {
  const options = req.source.directory ?? {};
  const files = (await listFiles(req.appDir, '', options.recurse === true)).filter((file) =>
    selected(file.rel, options),
  );
  // Code-point order, not locale order: the same checkout renders the same on every machine.
  files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const objects: KubeObject[] = [];
  for (const file of files) objects.push(...(await readManifestFile(req.repoRoot, file.abs)));
  return objects;
}

async function listFiles(dir: string, rel: string, recurse: boolean): Promise<ManifestFile[]> {
  const entries: Dirent[] = await readdir(dir, { withFileTypes: true });
  const files: ManifestFile[] = [];
  for (const entry of entries) {
    const entryRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
    const abs = join(dir, entry.name);
    // Symlinked directories are not followed: they could loop, and a link is one file's worth.
    if (entry.isDirectory()) {
      if (recurse && entry.name !== '.git') files.push(...(await listFiles(abs, entryRel, recurse)));
    } else if ((entry.isFile() || entry.isSymbolicLink()) && manifestExtension.test(entry.name)) {
      files.push({ rel: entryRel, abs });
    }
  }
  return files;
}

/** Whether a file passes the include and exclude globs of the directory options. */
export function selected(rel: string, options: DirectoryOptions): boolean {
  if (options.include && !matchesPattern(rel, options.include)) return false;
  if (options.exclude && matchesPattern(rel, options.exclude)) return false;
  return true;
}

/**
 * A pattern is matched against the path relative to the app path (`{a.yaml,b.yaml}` and
 * `sub/*` work as written). A pattern without `/` also matches a file name at any depth: Argo
 * CD's globs let `*` cross directories, so `*.yaml` there picks files in subfolders too.
 */
export function matchesPattern(rel: string, pattern: string): boolean {
  if (matchesGlob(rel, pattern)) return true;
  return !pattern.includes('/') && matchesGlob(posix.basename(rel), pattern);
}

async function readManifestFile(repoRoot: string, abs: string): Promise<KubeObject[]> {
  const shown = repoRelative(repoRoot, abs);
  let real: string;
  try {
    real = await realFileInsideRepo(repoRoot, abs);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw cause;
    // A manifest that vanished behind a dangling link must not render as "nothing to deploy".
    throw new RenderError(`${shown} is a symlink to a file that does not exist`, { terminal: true, cause });
  }
  const stats = await stat(real);
  if (!stats.isFile()) return [];
  if (stats.size > maxManifestFileBytes) {
    throw new ManifestParseError(shown, `file is larger than ${maxManifestFileBytes} bytes`);
  }
  const text = await readFile(real, 'utf8');
  try {
    return parseManifests(text, shown, { maxTotalBytes: maxManifestFileBytes });
  } catch (error) {
    if (error instanceof ManifestParseError && isOtherYaml(text)) return [];
    throw error;
  }
}

/**
 * Whether a file is well-formed YAML/JSON that does not try to be a Kubernetes object (a
 * values.yaml, a package.json lying next to the manifests): such files are skipped, as Argo CD
 * does, while a broken manifest (bad syntax, or apiVersion/kind present but wrong) is reported.
 */
function isOtherYaml(text: string): boolean {
  const docs = parseAllDocuments(text, { version: '1.1' });
  if ('errors' in docs && docs.errors.length > 0) return false;
  for (const doc of docs) {
    if (doc.errors.length > 0) return false;
    if (isMap(doc.contents) && (doc.contents.has('apiVersion') || doc.contents.has('kind'))) return false;
  }
  return true;
}

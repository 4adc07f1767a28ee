import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { isMap, parseAllDocuments } from 'yaml';
import { compilePathGlob, GlobError, type PathMatcher } from '../../core/glob/glob.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import { ManifestParseError, parseManifests } from '../../core/manifest/parse.ts';
import { isSopsEncrypted, SopsError } from '../sops/decrypt.ts';
import { RenderError } from './errors.ts';
import { jsonnetExtension, renderJsonnetFile } from './jsonnet.ts';
import { realFileInsideRepo, repoRelative } from './paths.ts';
import type { DirectoryOptions, ResolvedRequest } from './types.ts';

/** Largest manifest file read; anything bigger is not hand-written config. */
export const maxManifestFileBytes = 8 * 1024 * 1024;

/** The files a plain-directory render reads (.jsonnet ones evaluated); anything else is skipped. */
export const manifestExtension = /\.(ya?ml|json|jsonnet)$/;

interface ManifestFile {
  /** Path relative to the app directory (what include/exclude match). */
  rel: string;
  abs: string;
  symlink: boolean;
}

/**
 * Plain manifests: every .yaml, .yml and .json file of the app path, in path order.
 * `selfContained`: the render read nothing but regular files under the app path (no symlink,
 * which may lead elsewhere in the repository, no .jsonnet, whose imports may), so the path's
 * Git tree alone decides it.
 */
export async function renderDirectory(
  req: ResolvedRequest,
): Promise<{ objects: KubeObject[]; selfContained: boolean }> {
  const options = req.source.directory ?? {};
  const select = selector(options);
  const all = await listFiles(req.appDir, '', options.recurse === true);
  const files: ManifestFile[] = [];
  for (let i = 0; i < all.length; i++) {
    // A folder of many files gives the event loop back now and then: other apps are served meanwhile.
    if (i % selectBatch === selectBatch - 1) await nextTurn();
    if (select(all[i].rel)) files.push(all[i]);
  }
  // Code-point order, not locale order: the same checkout renders the same on every machine.
  files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const objects: KubeObject[] = [];
  let selfContained = true;
  for (const file of files) {
    if (file.symlink) selfContained = false;
    if (jsonnetExtension.test(file.abs)) {
      selfContained = false;
      objects.push(...(await renderJsonnetFile(req, await realFileInsideRepo(req.repoRoot, file.abs))));
    } else objects.push(...(await readManifestFile(req.repoRoot, file.abs)));
  }
  return { objects, selfContained };
}

/** Files matched against include/exclude between two turns of the event loop. */
const selectBatch = 512;

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
      files.push({ rel: entryRel, abs, symlink: entry.isSymbolicLink() });
    }
  }
  return files;
}

/** Whether a file passes the include and exclude globs of the directory options. */
export function selected(rel: string, options: DirectoryOptions): boolean {
  return selector(options)(rel);
}

/**
 * The include/exclude test, compiled once per render. A refused pattern (a brace range, too
 * many alternatives) is a terminal error naming the option.
 */
function selector(options: DirectoryOptions): PathMatcher {
  const include = options.include ? compileOption('include', options.include) : undefined;
  const exclude = options.exclude ? compileOption('exclude', options.exclude) : undefined;
  return (rel) => (include === undefined || include(rel)) && (exclude === undefined || !exclude(rel));
}

function compileOption(name: string, pattern: string): PathMatcher {
  let match: PathMatcher;
  try {
    match = compilePathGlob(pattern);
  } catch (error) {
    if (!(error instanceof GlobError)) throw error;
    throw new RenderError(`directory ${name}: ${error.message}`, { terminal: true, cause: error });
  }
  // A pattern without `/` also matches a file name at any depth: Argo CD's globs let `*` cross
  // directories, so `*.yaml` there picks files in subfolders too.
  if (pattern.includes('/')) return match;
  return (rel) => match(rel) || match(posix.basename(rel));
}

/**
 * A pattern is matched against the path relative to the app path (`{a.yaml,b.yaml}` and
 * `sub/*` work as written); one without `/` also matches a file name at any depth.
 */
export function matchesPattern(rel: string, pattern: string): boolean {
  return compileOption('pattern', pattern)(rel);
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
    const objects = parseManifests(text, shown, { maxTotalBytes: maxManifestFileBytes });
    // SOPS's MAC covers a whole file: one document of several cannot be checked alone.
    if (objects.length > 1 && objects.some(isSopsEncrypted))
      throw new SopsError(
        `${shown}: a SOPS-encrypted file of ${objects.length} documents; Tiphys decrypts one document per file (the MAC covers the whole file): encrypt each Secret in a file of its own`,
      );
    return objects;
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

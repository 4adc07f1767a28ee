// A render that finds nothing is almost always a mistake (a folder of .cue files, a typo in
// an include glob, manifests one folder down without `recurse`), and an app that deploys nothing
// would otherwise read Synced and Healthy. So an empty render is an error that says what was
// seen and why each file gave nothing, unless the path says in Git that it is empty on purpose.
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { manifestExtension, selected } from './directory.ts';
import { RenderError } from './errors.ts';
import { isFile } from './paths.ts';
import type { RendererName, ResolvedRequest } from './types.ts';

/**
 * The file that makes an empty render intended: it lives beside the (absent) manifests, so the
 * commit that empties a path says so, and it works for every renderer and every app of the path.
 */
export const EMPTY_MARKER = '.tiphys-empty';

/** Files named in the message; the rest are counted. */
const shownFiles = 10;
/** Entries looked at when explaining; the explanation is for people, not an inventory. */
const maxListed = 1000;

export interface SkippedFile {
  /** Relative to the app path. */
  file: string;
  why: string;
}

/** The app path rendered no object and holds no `.tiphys-empty`: a terminal render error. */
export class EmptyRenderError extends RenderError {
  override name = 'EmptyRenderError';
  /** The app path relative to the repository root ('' for the root). */
  readonly path: string;
  readonly skipped: readonly SkippedFile[];

  constructor(
    path: string,
    renderer: RendererName,
    skipped: SkippedFile[],
    total: number,
    message = emptyMessage(path, renderer, skipped, total),
  ) {
    super(message, { terminal: true });
    this.path = path;
    this.skipped = skipped;
  }
}

/**
 * A chart from a chart repository or registry rendered no object: there is no folder to hold a
 * marker, so the source says `allowEmpty: true` when that is intended.
 */
export class EmptyChartRenderError extends EmptyRenderError {
  override name = 'EmptyChartRenderError';

  /** `label`: `chart NAME VERSION@sha256:…`. */
  constructor(label: string) {
    super(
      '',
      'helm',
      [],
      0,
      `${label} rendered no object with these values; to deploy nothing from it on purpose, set allowEmpty: true on the source`,
    );
  }
}

/** Throws EmptyRenderError when a render found no object and the path is not marked empty. */
export async function assertRenderedSomething(
  req: ResolvedRequest,
  renderer: RendererName,
  objectCount: number,
): Promise<void> {
  if (objectCount > 0 || (await isFile(join(req.appDir, EMPTY_MARKER)))) return;
  const { files, total } = await listAppFiles(req.appDir);
  const skipped = files.map((file) => ({ file, why: whySkipped(file, renderer, req) }));
  throw new EmptyRenderError(req.appPath, renderer, skipped, total);
}

function whySkipped(file: string, renderer: RendererName, req: ResolvedRequest): string {
  if (renderer !== 'directory') return ''; // the tool read them; which one it skipped is its own
  const options = req.source.directory ?? {};
  if (file.includes('/') && options.recurse !== true) return 'in a subfolder; directory.recurse is off';
  if (!manifestExtension.test(file)) return 'not .yaml, .yml, .json or .jsonnet';
  if (!selected(file, options)) return 'left out by directory.include/exclude';
  return 'no Kubernetes object in it';
}

function emptyMessage(path: string, renderer: RendererName, skipped: SkippedFile[], total: number): string {
  const shown = `${path || '.'}/`;
  const how = `to deploy nothing from this path on purpose, commit an empty file ${path ? `${path}/` : ''}${EMPTY_MARKER}`;
  if (total === 0) return `no manifests found in ${shown}: the folder holds no files; ${how}`;
  const listed = skipped
    .slice(0, shownFiles)
    .map((s) => (s.why ? `${s.file} (${s.why})` : s.file))
    .join(', ');
  const more = total > shownFiles ? ` and ${total - shownFiles} more` : '';
  const what = renderer === 'directory' ? 'skipped' : `${renderer} rendered no object from`;
  return `no manifests found in ${shown}: ${what} ${total} file${total === 1 ? '' : 's'}: ${listed}${more}; ${how}`;
}

/** Files below the app path (relative, sorted), `.git` left out, at most `maxListed` looked at. */
async function listAppFiles(appDir: string): Promise<{ files: string[]; total: number }> {
  const files: string[] = [];
  let total = 0;
  const walk = async (dir: string, rel: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // an unreadable subfolder only makes the explanation shorter
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (total >= maxListed) return;
      const entryRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== '.git') await walk(join(dir, entry.name), entryRel);
      } else {
        total++;
        if (files.length < shownFiles) files.push(entryRel);
      }
    }
  };
  await walk(appDir, '');
  return { files, total };
}

// Which Applications of a monorepo a push concerns: an Application annotated with
// `tiphys.dev/manifest-generate-paths` (or Argo CD's `argocd.argoproj.io/manifest-generate-paths`)
// says which folders its manifests come from, `;`-separated, relative to its source path (`.` is
// the path itself; with several sources, each source's path) or, starting with `/`, to the
// repository root. A push whose changed files
// (when the event lists them all) are all outside those folders does not refresh it, so one
// commit to one app's folder does not re-render a thousand apps. Without the annotation, or when
// the event cannot say which files changed, every app following the pushed branch is refreshed.
import { posix } from 'node:path';
import type { PushEvent } from './push-event.ts';

export const GENERATE_PATHS_ANNOTATIONS = [
  'tiphys.dev/manifest-generate-paths',
  'argocd.argoproj.io/manifest-generate-paths',
] as const;

/** The repository folders (no leading or trailing slash; '' is the root) the annotation names. */
export function generatePaths(annotation: string, sourcePath: string): string[] {
  return annotation
    .split(';')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const joined = entry.startsWith('/') ? entry : posix.join(sourcePath || '.', entry);
      return posix
        .normalize(joined)
        .replace(/^\/+|\/+$/g, '')
        .replace(/^\.$/, '');
    });
}

const within = (file: string, folder: string) =>
  folder === '' || file === folder || file.startsWith(`${folder}/`);

/** Whether a push that moved the app's revision touches what the app renders. */
export function pushTouchesApp(
  event: PushEvent,
  app: { annotations?: Record<string, string>; sourcePaths: (string | undefined)[] },
): boolean {
  const annotation = GENERATE_PATHS_ANNOTATIONS.map((key) => app.annotations?.[key]).find(
    (v) => v !== undefined,
  );
  if (annotation === undefined || event.changedPaths === undefined) return true;
  // Several sources: a relative folder is taken from each source's path (a file of any counts).
  const bases = app.sourcePaths.length > 0 ? app.sourcePaths : [''];
  const folders = bases.flatMap((base) => generatePaths(annotation, base ?? ''));
  // A path that climbs out of the repository names nothing we can judge: refresh.
  if (folders.length === 0 || folders.some((f) => f.startsWith('..'))) return true;
  return event.changedPaths.some((file) =>
    folders.some((folder) => within(file.replace(/^\/+/, ''), folder)),
  );
}

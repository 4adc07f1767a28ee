// `tiphys image set APP IMAGE=TAG`: a CI pipeline that pushed its own image commits the new tag
// to the config repository, to the Kustomize `images:` entry of the Application's own path and
// branch, through the project-scoped write-back (the app's AppProject must list the repository).
// Only an existing entry is changed: an image the kustomization does not name is a mistake in the
// pipeline (a typo), not something to add.
import { posix } from 'node:path';
import { parseDocument } from 'yaml';
import type { TreeReader } from '../../adapters/git/commit-edit.ts';
import type { ImageAssignment } from '../../core/image/assignment.ts';
import { sameImage } from '../../core/image/reference.ts';
import { setKustomizeImage } from '../../core/image/yaml-edit.ts';
import { DEFAULT_PROJECT } from '../../core/model/common.ts';
import { getApplication } from '../applications.ts';
import type { ControlPlane } from '../control-plane.ts';
import { InvalidRequestError } from '../errors.ts';
import { getProject } from '../projects.ts';
import { commitEditForProject, type WriteBackDeps } from '../write-back.ts';

export interface SetImageResult {
  outcome: 'committed' | 'unchanged' | 'dry-run';
  repoURL: string;
  branch: string;
  file: string;
  commit?: string;
  diff: string;
}

const KUSTOMIZATIONS = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** The entry's image (newName, else name) when one of `images:` is named or points at `image`. */
function entryImage(text: string, file: string, image: string): string {
  const doc = parseDocument(text);
  if (doc.errors[0]) throw new InvalidRequestError(`${file}: not valid YAML: ${doc.errors[0].message}`);
  const images = (doc.toJS() as { images?: { name?: unknown; newName?: unknown }[] } | null)?.images ?? [];
  for (const entry of Array.isArray(images) ? images : []) {
    const name = typeof entry?.name === 'string' ? entry.name : '';
    const newName = typeof entry?.newName === 'string' ? entry.newName : undefined;
    if (name === image || sameImage(name, image) || (newName && sameImage(newName, image)))
      return newName ?? name;
  }
  throw new InvalidRequestError(
    `${file} has no images: entry named ${image} (nor with newName ${image}); nothing was written`,
  );
}

async function kustomizationOf(tree: TreeReader, folder: string): Promise<{ file: string; text: string }> {
  for (const name of KUSTOMIZATIONS) {
    const file = posix.join(folder, name).replace(/^\.\//, '');
    const text = await tree.read(file);
    if (text !== undefined) return { file, text };
  }
  throw new InvalidRequestError(
    `${folder || 'the repository root'} has no kustomization.yaml: tiphys image set writes a Kustomize images: entry; nothing was written`,
  );
}

/**
 * Commits `set` to the kustomization of `appName`'s path on its branch (targetRevision; HEAD or
 * none means main), as `by`. Refused before any Git call when the app's project does not permit
 * its repository or the app follows a commit or tag rather than a branch.
 */
export async function setApplicationImage(
  cp: ControlPlane,
  writeBack: WriteBackDeps,
  appName: string,
  set: ImageAssignment,
  by: string,
  options: { dryRun?: boolean } = {},
): Promise<SetImageResult> {
  const app = await getApplication(cp, appName);
  const source = app.spec.source;
  if (!source?.repoURL)
    throw new InvalidRequestError(`application ${appName} has no single Git source to write to`);
  const revision = source.targetRevision ?? 'HEAD';
  if (/^[0-9a-f]{40}$/.test(revision) || revision.startsWith('refs/tags/'))
    throw new InvalidRequestError(
      `application ${appName} follows ${revision}, not a branch: there is no branch to commit to`,
    );
  const branch = revision === 'HEAD' ? 'main' : revision.replace(/^refs\/heads\//, '');
  const projectName = app.spec.project ?? DEFAULT_PROJECT;
  const project = await getProject(cp, projectName);
  let file = '';
  const result = await commitEditForProject(
    writeBack,
    { name: projectName, spec: project.spec },
    {
      repoURL: source.repoURL,
      branch,
      author: { name: 'Tiphys', email: 'tiphys@localhost' },
      message: `tiphys image set: ${appName} ${set.image} to ${set.tag}${set.digest ? `@${set.digest}` : ''}\n\nRequested by ${by}.`,
      dryRun: options.dryRun,
      edit: async (tree) => {
        const found = await kustomizationOf(tree, (source.path ?? '').replace(/\/+$/, ''));
        file = found.file;
        const name = entryImage(found.text, found.file, set.image);
        return {
          [found.file]: setKustomizeImage(found.text, found.file, set.image, {
            name,
            tag: set.tag,
            digest: set.digest,
          }),
        };
      },
    },
  );
  return {
    outcome: result.outcome,
    repoURL: source.repoURL,
    branch,
    file,
    commit: result.commit,
    diff: result.diff,
  };
}

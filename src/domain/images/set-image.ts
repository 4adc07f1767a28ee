// `tiphys image set APP IMAGE=TAG`: a CI pipeline that pushed its own image commits the new tag
// to the config repository, in the Application's own path and branch (a Kustomize images: entry,
// Helm values, or marked fields: set-image-targets.ts), through the project-scoped write-back
// (the app's AppProject must list the repository). Only what names the image is changed: an image
// the files do not name is a mistake in the pipeline (a typo), not something to add.
import { ImageObjects } from '../../adapters/control-plane/image-objects.ts';
import type { ImageAssignment } from '../../core/image/assignment.ts';
import type { PolicyRef } from '../../core/image/markers.ts';
import { sameImage } from '../../core/image/reference.ts';
import { DEFAULT_PROJECT } from '../../core/model/common.ts';
import { requestRefresh } from '../app-operations.ts';
import { getApplication } from '../applications.ts';
import type { ControlPlane } from '../control-plane.ts';
import { InvalidRequestError } from '../errors.ts';
import { getProject } from '../projects.ts';
import { commitEditForProject, type WriteBackDeps } from '../write-back.ts';
import { setImageWrites } from './set-image-targets.ts';

export interface SetImageResult {
  outcome: 'committed' | 'unchanged' | 'dry-run';
  repoURL: string;
  branch: string;
  file: string;
  commit?: string;
  diff: string;
}

/** The policies of `project` whose repository is `image`: the ones a tag marker may name. */
async function policiesFollowing(cp: ControlPlane, project: string, image: string): Promise<PolicyRef[]> {
  const objects = new ImageObjects(cp.rest, cp.namespace);
  const [repositories, policies] = await Promise.all([
    objects.list('ImageRepository'),
    objects.list('ImagePolicy'),
  ]);
  const mine = new Set(
    repositories
      .filter(
        (repo) => (repo.spec.project ?? DEFAULT_PROJECT) === project && sameImage(repo.spec.image, image),
      )
      .map((repo) => repo.metadata.name),
  );
  return policies
    .filter((policy) => mine.has(policy.spec.imageRepositoryRef.name))
    .map((policy) => ({ name: policy.metadata.name, namespace: cp.namespace }));
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
  options: { dryRun?: boolean; valuePath?: string } = {},
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
        const writes = await setImageWrites(tree, source, { ...set, valuePath: options.valuePath }, () =>
          policiesFollowing(cp, projectName, set.image),
        );
        file = Object.keys(writes).join(', ');
        return writes;
      },
    },
  );
  // The pipeline that set the image waits for it to run: the app looks at Git now rather than at
  // its next poll, as it does after the image updater's own commits.
  if (result.outcome === 'committed') await requestRefresh(cp, appName);
  return {
    outcome: result.outcome,
    repoURL: source.repoURL,
    branch,
    file,
    commit: result.commit,
    diff: result.diff,
  };
}

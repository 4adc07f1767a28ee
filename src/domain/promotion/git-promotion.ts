// The Git side of promotion: what freight a stage runs at a revision, and the commit that puts a
// freight into a stage. Overlays layout: the image entries of the stage's kustomization.yaml (or,
// without one, the image maps of its values.yaml) are set to the freight's (one commit on the
// pipeline's branch). Branches layout: the stage's branch
// moves to the verified commit, or gets the earlier tree back as a new commit (rollback). Every
// write is made in the name of the pipeline's project and refused, before any Git call, for a
// repository the project does not permit.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BranchPromoter } from '../../adapters/git/branch-promotion.ts';
import type { GitRepoCache } from '../../adapters/git/index.ts';
import type { AppProject } from '../../core/model/app-project.ts';
import type { Freight, Pipeline, StageSpec } from '../../core/model/pipeline.ts';
import {
  describeFreight,
  FreightError,
  freightOfImages,
  freightOfTree,
  kustomizationImages,
  withImages,
} from '../../core/promotion/freight.ts';
import { valuesFreightImages, withValuesImages } from '../../core/promotion/values-freight.ts';
import {
  commitEditForProject,
  RepositoryNotPermittedError,
  type WriteBackDeps,
  writeRefusal,
} from '../write-back.ts';

export interface PromotionGit extends WriteBackDeps {
  mirrors: GitRepoCache;
  branches: BranchPromoter;
}

export const DEFAULT_AUTHOR = { name: 'Tiphys', email: 'tiphys@localhost' };

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
/** A stage path without a kustomization: a Helm values file per environment. */
const VALUES_FILE = 'values.yaml';

/** The freight `stage` runs when its apps are synced at `revision` (reads are cached by commit). */
export async function freightAt(
  git: PromotionGit,
  pipeline: Pipeline,
  stage: StageSpec,
  revision: string,
): Promise<Freight> {
  const { repoURL } = pipeline.spec;
  const credentials = await git.credentialsFor(repoURL);
  if (pipeline.spec.layout === 'branches') {
    return freightOfTree(await git.branches.treeOf(repoURL, revision, credentials), revision);
  }
  // Leased while its files are read: a sweep leaves it alone meanwhile.
  const lease = await git.mirrors.leaseCheckout(repoURL, revision, credentials);
  try {
    const dir = lease.dir;
    for (const file of KUSTOMIZATION_FILES) {
      const path = `${stage.path}/${file}`;
      const text = await readFile(join(dir, path), 'utf8').catch(() => undefined);
      if (text !== undefined) return freightOfImages(kustomizationImages(text, path), revision);
    }
    const values = `${stage.path}/${VALUES_FILE}`;
    const text = await readFile(join(dir, values), 'utf8').catch(() => undefined);
    if (text !== undefined) return freightOfImages(valuesFreightImages(text, values), revision);
  } finally {
    lease.release();
  }
  throw new FreightError(
    `${stage.path}/kustomization.yaml (or ${VALUES_FILE}) not found at ${revision.slice(0, 7)} of ${repoURL}`,
  );
}

export interface FreightWrite {
  outcome: 'committed' | 'unchanged';
  commit?: string;
  message: string;
}

/** Commits `freight` into `stage` (a promotion, or a rollback to a freight it verified before). */
export async function writeFreight(
  git: PromotionGit,
  pipeline: Pipeline,
  project: AppProject,
  stage: StageSpec,
  freight: Freight,
  action: { kind: 'promote' | 'rollback'; by: string },
): Promise<FreightWrite> {
  const { spec } = pipeline;
  const ref = { name: spec.project, spec: project.spec };
  const refusal = writeRefusal(ref, spec.repoURL);
  if (refusal) throw new RepositoryNotPermittedError(refusal);
  const author = spec.author ?? DEFAULT_AUTHOR;
  const verb = action.kind === 'promote' ? 'promote' : 'roll back';
  const message = [
    `${verb} ${pipeline.metadata.name}/${stage.name} to ${freight.id}`,
    '',
    `Freight: ${describeFreight(freight)}`,
    `Verified at: ${freight.commit}`,
    `Requested by: ${action.by}`,
  ].join('\n');
  if (spec.layout === 'branches') {
    const branch = stage.branch as string;
    const request = {
      repoURL: spec.repoURL,
      branch,
      commit: freight.commit,
      author,
      message,
      credentials: await git.credentialsFor(spec.repoURL),
    };
    const result =
      action.kind === 'rollback'
        ? await git.branches.restore(request)
        : await git.branches.move(request, stage.strategy ?? 'fastForward');
    return {
      outcome: result.outcome,
      commit: result.commit,
      message:
        result.outcome === 'unchanged'
          ? `branch ${branch} already has ${freight.id}`
          : `${result.how} of ${branch} to ${result.commit.slice(0, 7)}`,
    };
  }
  const images = freight.images ?? {};
  const result = await commitEditForProject(git, ref, {
    repoURL: spec.repoURL,
    branch: spec.branch ?? 'main',
    author,
    message,
    edit: async (tree) => {
      for (const file of KUSTOMIZATION_FILES) {
        const path = `${stage.path}/${file}`;
        const text = await tree.read(path);
        if (text !== undefined) return { [path]: withImages(text, images, path) };
      }
      const values = `${stage.path}/${VALUES_FILE}`;
      const text = await tree.read(values);
      if (text !== undefined) return { [values]: withValuesImages(text, images, values) };
      throw new FreightError(
        `${stage.path}/kustomization.yaml (or ${VALUES_FILE}) not found on branch ${spec.branch ?? 'main'} of ${spec.repoURL}`,
      );
    },
  });
  return {
    outcome: result.outcome === 'committed' ? 'committed' : 'unchanged',
    commit: result.commit ?? result.parent,
    message:
      result.outcome === 'committed'
        ? `committed ${result.commit?.slice(0, 7)} to ${spec.branch ?? 'main'}: ${result.changed.join(', ')}`
        : `${stage.path} already has ${freight.id}`,
  };
}

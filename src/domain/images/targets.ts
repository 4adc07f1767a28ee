// The files an ImageUpdater writes, computed from the branch tip it is given (pure over the
// TreeReader, so a retried push recomputes them on the new tip).
import { posix } from 'node:path';
import type { FileWrites, TreeReader } from '../../adapters/git/commit-edit.ts';
import { markerExamples } from '../../core/image/markers.ts';
import {
  type ImageValue,
  setHelmValues,
  setKustomizeImage,
  setMarkedFields,
} from '../../core/image/yaml-edit.ts';
import { DEFAULT_PROJECT } from '../../core/model/common.ts';
import type { ImageUpdaterSpec } from '../../core/model/image-updater.ts';

export class UpdateTargetError extends Error {
  override name = 'UpdateTargetError';
}

export interface ChosenImage {
  policy: string;
  value: ImageValue;
  /** The ImageRepository's image as written (the default kustomize entry name). */
  repositoryImage: string;
  /** The AppProject of the policy's ImageRepository: only that project's updaters may write it. */
  project: string;
  /** The policy's namespace (a Flux marker names it). */
  namespace: string;
}

/**
 * The choices an updater may write: those of the policies it lists whose repository belongs to
 * its own project. Another team's policy is ignored as if it did not exist, so an updater cannot
 * copy (or learn) what another project's private repository runs by naming its policy.
 */
export function choicesFor(spec: ImageUpdaterSpec, chosen: readonly ChosenImage[]): ChosenImage[] {
  const project = spec.project ?? DEFAULT_PROJECT;
  return chosen.filter(
    (item) => item.project === project && spec.updates.some((update) => update.policy === item.policy),
  );
}

function inPath(base: string | undefined, file: string): string {
  return posix.join(base ?? '', file).replace(/^\.\//, '');
}

export async function computeWrites(
  spec: ImageUpdaterSpec,
  chosen: readonly ChosenImage[],
  tree: TreeReader,
): Promise<FileWrites> {
  const writes: FileWrites = {};
  const read = async (file: string): Promise<string> => {
    const current = writes[file] ?? (await tree.read(file));
    if (current === undefined)
      throw new UpdateTargetError(`${file} does not exist on branch ${spec.git.branch ?? 'main'}`);
    return current;
  };
  for (const update of spec.updates) {
    const image = chosen.find((item) => item.policy === update.policy);
    if (!image) continue;
    const { target } = update;
    if (target.kustomize) {
      const file = inPath(spec.git.path, target.kustomize.file ?? 'kustomization.yaml');
      writes[file] = setKustomizeImage(
        await read(file),
        file,
        target.kustomize.name ?? image.repositoryImage,
        image.value,
      );
    } else if (target.helm) {
      const file = inPath(spec.git.path, target.helm.file ?? 'values.yaml');
      writes[file] = setHelmValues(await read(file), file, target.helm, image.value);
    } else if (target.markers) {
      let marked = 0;
      for (const file of await tree.list(spec.git.path ?? '')) {
        if (!/\.ya?ml$/.test(file)) continue;
        const result = setMarkedFields(
          await read(file),
          file,
          { name: update.policy, namespace: image.namespace },
          image.value,
        );
        marked += result.marked;
        if (result.marked > 0) writes[file] = result.text;
      }
      if (marked === 0)
        throw new UpdateTargetError(
          `no field under ${spec.git.path || 'the repository root'} is marked ${markerExamples({ name: update.policy, namespace: image.namespace })}`,
        );
    }
  }
  return writes;
}

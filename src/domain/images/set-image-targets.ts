// Where `tiphys image set` writes, by what the app's path holds (first match wins):
// 1. a kustomization: its images: entry named IMAGE (or whose newName is IMAGE);
// 2. a Helm chart (Chart.yaml, or a helm source): the app's value files in its path (default
//    values.yaml): every image map (repository/tag) naming IMAGE, or the one dotted path given;
// 3. plain YAML: the fields marked as setters (markers.ts) — a full-reference marker whose value
//    names IMAGE, and a tag or name marker of a policy of the app's own project that follows IMAGE.
// Nothing matching is a refusal, never an addition: a typo in a pipeline should fail.
import { posix } from 'node:path';
import { parseDocument } from 'yaml';
import type { FileWrites, TreeReader } from '../../adapters/git/commit-edit.ts';
import { setValuesImage } from '../../core/image/helm-values.ts';
import type { PolicyRef } from '../../core/image/markers.ts';
import { sameImage, splitReference } from '../../core/image/reference.ts';
import {
  editMarkedFields,
  type ImageValue,
  markedValue,
  setKustomizeImage,
  setValuePath,
} from '../../core/image/yaml-edit.ts';
import type { ApplicationSource } from '../../core/model/application.ts';
import { InvalidRequestError } from '../errors.ts';

const KUSTOMIZATIONS = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export interface SetImageWanted {
  image: string;
  tag: string;
  digest?: string;
  /** A dotted path of the values file that holds the tag (Helm apps only). */
  valuePath?: string;
}

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

const inFolder = (folder: string, file: string) => posix.join(folder, file).replace(/^\.\//, '');

/** The value files of a Helm source that live in its own path (not $ref/… nor URLs). */
function valueFilesOf(source: ApplicationSource, folder: string): string[] {
  const named = (source.helm?.valueFiles ?? []).filter(
    (file) => !file.startsWith('$') && !/^[a-z]+:\/\//.test(file),
  );
  const files = (named.length > 0 ? named : ['values.yaml']).map((file) => inFolder(folder, file));
  for (const file of files)
    if (file.startsWith('../') || file.split('/').includes('..'))
      throw new InvalidRequestError(`value file ${file} is outside the app's path; nothing was written`);
  return files;
}

async function helmWrites(
  tree: TreeReader,
  source: ApplicationSource,
  folder: string,
  wanted: SetImageWanted,
): Promise<FileWrites> {
  const writes: FileWrites = {};
  let matched = 0;
  const files = valueFilesOf(source, folder);
  for (const file of files) {
    const text = await tree.read(file);
    if (text === undefined) continue;
    const value: ImageValue = { name: wanted.image, tag: wanted.tag, digest: wanted.digest };
    if (wanted.valuePath) {
      const tag = wanted.digest ? `${wanted.tag}@${wanted.digest}` : wanted.tag;
      return { [file]: setValuePath(text, file, wanted.valuePath, tag) };
    }
    const result = setValuesImage(text, file, wanted.image, value);
    matched += result.matched;
    if (result.matched > 0) writes[file] = result.text;
  }
  if (matched === 0)
    throw new InvalidRequestError(
      `${files.join(', ')}: no image (a map with repository and tag) names ${wanted.image}; name the field with --value-path; nothing was written`,
    );
  return writes;
}

async function markerWrites(
  tree: TreeReader,
  folder: string,
  wanted: SetImageWanted,
  policies: () => Promise<PolicyRef[]>,
): Promise<FileWrites> {
  const following = await policies();
  const writes: FileWrites = {};
  let marked = 0;
  for (const file of await tree.list(folder)) {
    if (!/\.ya?ml$/.test(file)) continue;
    const text = (await tree.read(file)) ?? '';
    const result = editMarkedFields(text, file, (marker, current) => {
      if (marker.field === 'image') {
        if (typeof current !== 'string') return undefined;
        let name: string;
        try {
          name = splitReference(current).name;
        } catch {
          return undefined;
        }
        if (!sameImage(name, wanted.image)) return undefined;
        return markedValue('image', { name, tag: wanted.tag, digest: wanted.digest });
      }
      // A tag or name marker says which image only through its policy: one of this project's.
      const policy = following.find(
        (p) => p.name === marker.policy && (marker.namespace ?? p.namespace) === p.namespace,
      );
      if (!policy) return undefined;
      return markedValue(marker.field, { name: wanted.image, tag: wanted.tag, digest: wanted.digest });
    });
    marked += result.marked;
    if (result.marked > 0) writes[file] = result.text;
  }
  if (marked === 0)
    throw new InvalidRequestError(
      `${folder || 'the repository root'} has no kustomization, no Helm chart, and no field marked as a setter of ${wanted.image}; nothing was written`,
    );
  return writes;
}

/** The files `tiphys image set` writes in the app's path, computed from the branch tip. */
export async function setImageWrites(
  tree: TreeReader,
  source: ApplicationSource,
  wanted: SetImageWanted,
  policies: () => Promise<PolicyRef[]>,
): Promise<FileWrites> {
  const folder = (source.path ?? '').replace(/\/+$/, '').replace(/^\.?\/?$/, '');
  for (const name of KUSTOMIZATIONS) {
    const file = inFolder(folder, name);
    const text = await tree.read(file);
    if (text === undefined) continue;
    if (wanted.valuePath)
      throw new InvalidRequestError(`${file}: --value-path is for Helm values; this app is a kustomization`);
    const entryName = entryImage(text, file, wanted.image);
    return {
      [file]: setKustomizeImage(text, file, wanted.image, {
        name: entryName,
        tag: wanted.tag,
        digest: wanted.digest,
      }),
    };
  }
  const chart = (await tree.read(inFolder(folder, 'Chart.yaml'))) !== undefined;
  if (chart || source.helm) return helmWrites(tree, source, folder, wanted);
  if (wanted.valuePath)
    throw new InvalidRequestError(
      `${folder || 'the repository root'} has no Helm chart: --value-path does not apply`,
    );
  return markerWrites(tree, folder, wanted, policies);
}

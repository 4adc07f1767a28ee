// `IMAGE=TAG` of `tiphys image set`: the image as the config repository names it (a Kustomize
// images: entry's name or newName), and the tag to run, optionally pinned `TAG@sha256:…`. Both
// are checked against the distribution grammar here, before anything reads or writes Git, so a
// value that would inject YAML never reaches an edit.
import {
  assertValidDigest,
  assertValidTag,
  InvalidImageReferenceError,
  parseImageName,
} from './reference.ts';

export interface ImageAssignment {
  image: string;
  tag: string;
  digest?: string;
}

export function parseImageAssignment(text: string): ImageAssignment {
  const eq = text.indexOf('=');
  if (eq <= 0 || eq === text.length - 1)
    throw new InvalidImageReferenceError(
      `${JSON.stringify(text)} is not IMAGE=TAG (e.g. ghcr.io/team/hello=1.0.1)`,
    );
  const image = text.slice(0, eq);
  const value = text.slice(eq + 1);
  parseImageName(image);
  const at = value.indexOf('@');
  const tag = assertValidTag(at === -1 ? value : value.slice(0, at));
  const digest = at === -1 ? undefined : assertValidDigest(value.slice(at + 1));
  return digest ? { image, tag, digest } : { image, tag };
}

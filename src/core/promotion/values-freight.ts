// Freight of a stage whose overlay is a Helm values file (`<path>/values.yaml`, the chart shared,
// one values file per environment): the image maps of the file (helm-values.ts), keyed by their
// dotted path (`image`, `worker.image`) → `name:tag[@digest]`. Promotion writes each into the
// same path of the next stage's values file; the rest of the file (replicas, hosts) differs per
// environment on purpose and does not move. Every value is validated as an image reference first,
// so a tag read from one stage's file cannot inject YAML into the next.
import { type ValuesImage, valuesImages, writeValuesImage } from '../image/helm-values.ts';
import { InvalidImageReferenceError, imageReference, splitReference } from '../image/reference.ts';
import { YamlEditError } from '../image/yaml-edit.ts';
import { FreightError } from './freight.ts';

function found(text: string, file: string): ValuesImage[] {
  try {
    return valuesImages(text, file);
  } catch (error) {
    throw new FreightError((error as Error).message);
  }
}

/** The images of a values file as dotted path → name:tag[@digest]. */
export function valuesFreightImages(text: string, file: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const image of found(text, file)) {
    try {
      result[image.path] = imageReference(image.name, image.tag, image.digest);
    } catch (error) {
      throw new FreightError(`${file}: ${image.path}: ${(error as Error).message}`);
    }
  }
  return result;
}

/** The values file with each freight image written at its path; the same text when nothing changes. */
export function withValuesImages(text: string, images: Record<string, string>, file: string): string {
  const present = new Map(found(text, file).map((image) => [image.path, image]));
  let out = text;
  for (const [path, ref] of Object.entries(images)) {
    const image = present.get(path);
    if (!image)
      throw new FreightError(
        `${file} has no image at ${path || 'the top level'} (a map with repository and tag) to promote ${ref} into`,
      );
    try {
      const wanted = splitReference(ref);
      if (wanted.tag === undefined) throw new FreightError(`${ref} has no tag`);
      out = writeValuesImage(out, file, image, { name: wanted.name, tag: wanted.tag, digest: wanted.digest });
    } catch (error) {
      if (error instanceof InvalidImageReferenceError || error instanceof YamlEditError)
        throw new FreightError(`${file}: ${path}: ${error.message}`);
      throw error;
    }
  }
  return out;
}

// Freight: what a stage runs, named by what it pins. In the overlays layout that is the image
// entries of the stage's kustomization.yaml (the config around them differs per environment on
// purpose); in the branches layout it is the Git tree of the stage's branch, so a fast-forward, a
// merge that brings nothing else, and a rollback commit all name the same freight.
import { createHash } from 'node:crypto';
import { isMap, isSeq, parseDocument, YAMLMap, YAMLSeq } from 'yaml';
import type { Freight } from '../model/pipeline.ts';

/** An image reference kustomize accepts as newName[:newTag][@digest]; nothing that could break YAML. */
const IMAGE_REF =
  /^[a-z0-9][a-z0-9._/-]*(:[0-9]+)?(\/[a-z0-9._-]+)*(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
const IMAGE_NAME = /^[a-z0-9][a-z0-9._/:-]*$/;

export class FreightError extends Error {
  override name = 'FreightError';
}

export function freightOfImages(images: Record<string, string>, commit: string): Freight {
  const sorted = Object.fromEntries(Object.entries(images).sort(([a], [b]) => a.localeCompare(b)));
  const id = createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 12);
  return { id, images: sorted, commit };
}

export function freightOfTree(tree: string, commit: string): Freight {
  return { id: tree.slice(0, 12), tree, commit };
}

/** One line a person reads: `hello=reg/hello:1.0.1` or the short commit. */
export function describeFreight(freight: Freight): string {
  if (freight.images) {
    const images = Object.entries(freight.images).map(([name, ref]) => `${name}=${ref}`);
    return `${freight.id} (${images.join(', ') || 'no images'})`;
  }
  return `${freight.id} (commit ${freight.commit.slice(0, 7)})`;
}

interface ImageEntry {
  name?: unknown;
  newName?: unknown;
  newTag?: unknown;
  digest?: unknown;
}

/** The `images:` entries of a kustomization as name → newName[:newTag][@digest]. */
export function kustomizationImages(text: string, file: string): Record<string, string> {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new FreightError(`${file}: ${doc.errors[0].message}`);
  const images = (doc.toJS() as { images?: ImageEntry[] } | null)?.images ?? [];
  if (!Array.isArray(images)) throw new FreightError(`${file}: images must be a list`);
  const result: Record<string, string> = {};
  for (const [i, entry] of images.entries()) {
    if (typeof entry?.name !== 'string') throw new FreightError(`${file}: images[${i}].name is missing`);
    const name = entry.name;
    const base = typeof entry.newName === 'string' ? entry.newName : name;
    const tag =
      typeof entry.newTag === 'string' || typeof entry.newTag === 'number' ? `:${entry.newTag}` : '';
    const digest = typeof entry.digest === 'string' ? `@${entry.digest}` : '';
    const ref = `${base}${tag}${digest}`;
    if (!IMAGE_NAME.test(name) || !IMAGE_REF.test(ref)) {
      throw new FreightError(
        `${file}: images[${i}] (${JSON.stringify(name)}) is not a valid image reference`,
      );
    }
    result[name] = ref;
  }
  return result;
}

/** Splits newName[:newTag][@digest]; the tag's colon is the last one after the last slash. */
export function splitImageRef(ref: string): { newName: string; newTag?: string; digest?: string } {
  const at = ref.indexOf('@');
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const rest = at >= 0 ? ref.slice(0, at) : ref;
  const colon = rest.lastIndexOf(':');
  const tagged = colon > rest.lastIndexOf('/');
  return {
    newName: tagged ? rest.slice(0, colon) : rest,
    ...(tagged ? { newTag: rest.slice(colon + 1) } : {}),
    ...(digest ? { digest } : {}),
  };
}

/**
 * The kustomization with its `images:` entries set to the freight's (others kept), comments and
 * layout preserved; the same text when nothing changes. Values are set as scalars through the YAML
 * library and validated first, so a tag cannot inject YAML.
 */
export function withImages(text: string, images: Record<string, string>, file: string): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new FreightError(`${file}: ${doc.errors[0].message}`);
  if (!isMap(doc.contents)) throw new FreightError(`${file}: not a YAML mapping`);
  let list = doc.get('images');
  if (list === undefined) {
    list = new YAMLSeq();
    doc.set('images', list);
  }
  if (!isSeq(list)) throw new FreightError(`${file}: images must be a list`);
  for (const [name, ref] of Object.entries(images)) {
    if (!IMAGE_NAME.test(name) || !IMAGE_REF.test(ref)) {
      throw new FreightError(
        `image ${JSON.stringify(name)}=${JSON.stringify(ref)} is not a valid image reference`,
      );
    }
    const wanted = splitImageRef(ref);
    let entry = list.items.find((item) => isMap(item) && item.get('name') === name) as YAMLMap | undefined;
    if (!entry) {
      entry = new YAMLMap();
      entry.set('name', name);
      list.items.push(entry);
    }
    for (const key of ['newName', 'newTag', 'digest'] as const) {
      const value = key === 'newName' && wanted.newName === name ? undefined : wanted[key];
      if (value === undefined) {
        if (entry.has(key)) entry.delete(key);
      } else if (entry.get(key) !== value) entry.set(key, value);
    }
  }
  const out = doc.toString();
  return kustomizationImagesEqual(text, out, file) ? text : out;
}

function kustomizationImagesEqual(a: string, b: string, file: string): boolean {
  return JSON.stringify(kustomizationImages(a, file)) === JSON.stringify(kustomizationImages(b, file));
}

// Images in Helm values files, in the shape most charts use:
//   image:                      worker:
//     repository: reg/hello       image:
//     tag: "1.0.0"                  registry: reg.example.com
//                                   repository: team/worker
//                                   tag: 2.1.0
// An image is a map with a string `repository` (and an optional `registry` in front of it) and a
// `tag`; `digest` beside them is used when present, else a pinned digest goes into the tag
// (`1.0.1@sha256:…`, which charts that print `repository:tag` accept). Found by walking the
// document, so no chart-specific path has to be configured; a named path is setValuePath's.
// Only the scalars' bytes change (yaml-edit.ts), so comments and layout stay.
import { isMap, isScalar, type Node, parseDocument, type YAMLMap } from 'yaml';
import { sameImage } from './reference.ts';
import { type ImageValue, setValuePath, validateImageValue, YamlEditError } from './yaml-edit.ts';

export interface ValuesImage {
  /** Dotted path of the map holding the image (`image`, `worker.image`). */
  path: string;
  /** registry/repository as the map spells it. */
  name: string;
  tag?: string;
  digest?: string;
  /** Whether the map has its own `digest` key (else a digest is written into the tag). */
  digestKey: boolean;
  hasRegistry: boolean;
}

function scalarString(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  const value = node.value;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function imageOf(map: YAMLMap, path: string[]): ValuesImage | undefined {
  const repository = scalarString(map.get('repository', true));
  if (
    repository === undefined ||
    typeof (map.get('repository', true) as { value?: unknown }).value !== 'string'
  )
    return undefined;
  if (!map.has('tag') && !map.has('digest')) return undefined;
  const registry = scalarString(map.get('registry', true));
  let tag = scalarString(map.get('tag', true));
  let digest = scalarString(map.get('digest', true));
  if (tag?.includes('@')) [tag, digest] = [tag.slice(0, tag.indexOf('@')), tag.slice(tag.indexOf('@') + 1)];
  return {
    path: path.join('.'),
    name: registry ? `${registry}/${repository}` : repository,
    tag: tag || undefined,
    digest: digest || undefined,
    digestKey: map.has('digest'),
    hasRegistry: registry !== undefined,
  };
}

/** Every image map of a values file, in document order. */
export function valuesImages(text: string, file: string): ValuesImage[] {
  const doc = parseDocument(text);
  if (doc.errors[0]) throw new YamlEditError(`${file}: not valid YAML: ${doc.errors[0].message}`);
  const found: ValuesImage[] = [];
  const walk = (node: unknown, path: string[]) => {
    if (isMap(node)) {
      const image = imageOf(node, path);
      if (image) found.push(image);
      for (const pair of node.items) {
        const key = scalarString(pair.key as Node);
        if (key !== undefined && !key.includes('.')) walk(pair.value, [...path, key]);
      }
    }
    // Lists are not addressable by a dotted path: images inside them are left alone.
  };
  walk(doc.contents, []);
  return found;
}

/** Writes `value` into the image map at `image.path`: the tag (and digest), and the name if it moved. */
export function writeValuesImage(text: string, file: string, image: ValuesImage, value: ImageValue): string {
  validateImageValue(value);
  const at = (key: string) => (image.path ? `${image.path}.${key}` : key);
  let out = text;
  if (!sameImage(image.name, value.name)) {
    if (image.hasRegistry)
      throw new YamlEditError(
        `${file}: ${at('registry')} and ${at('repository')} name ${image.name}, not ${value.name}; change the image name by hand`,
      );
    out = setValuePath(out, file, at('repository'), value.name);
  }
  if (image.digestKey) {
    out = setValuePath(out, file, at('tag'), value.tag);
    if (value.digest || image.digest) out = setValuePath(out, file, at('digest'), value.digest ?? '');
  } else {
    out = setValuePath(out, file, at('tag'), value.digest ? `${value.tag}@${value.digest}` : value.tag);
  }
  return out;
}

/** Sets the tag of every image map naming `image`; how many matched (0: the file does not name it). */
export function setValuesImage(
  text: string,
  file: string,
  image: string,
  value: ImageValue,
): { text: string; matched: number } {
  let out = text;
  const matches = valuesImages(text, file).filter((found) => sameImage(found.name, image));
  for (const found of matches) out = writeValuesImage(out, file, found, value);
  return { text: out, matched: matches.length };
}

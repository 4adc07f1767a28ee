// Editing image references in YAML files while keeping every other byte: the Document API finds
// the scalar to change and its source range, and only that range of the text is replaced. A new
// entry (an images: item or a values key that does not exist yet) is the one case where the
// document is printed again by the library, comments kept.
import {
  type Document,
  isMap,
  isScalar,
  isSeq,
  type Node,
  parseAllDocuments,
  parseDocument,
  type Scalar,
  visit,
  YAMLMap,
} from 'yaml';
import { type MarkedField, type Marker, markerNames, type PolicyRef, parseMarker } from './markers.ts';
import { assertValidDigest, assertValidTag, parseImageName, sameImage } from './reference.ts';

export class YamlEditError extends Error {
  override name = 'YamlEditError';
}

/** What an update writes: the image's name, its tag, and the digest when the policy pins one. */
export interface ImageValue {
  name: string;
  tag: string;
  digest?: string;
}

export function validateImageValue(value: ImageValue): void {
  parseImageName(value.name);
  assertValidTag(value.tag);
  if (value.digest !== undefined) assertValidDigest(value.digest);
}

function reference(value: ImageValue): string {
  return `${value.name}:${value.tag}${value.digest ? `@${value.digest}` : ''}`;
}

function tagValue(value: ImageValue): string {
  return value.digest ? `${value.tag}@${value.digest}` : value.tag;
}

interface Splice {
  start: number;
  end: number;
  text: string;
}

/** The replacement text of a scalar: its own quoting kept, plain only when it reads back as the same string. */
function scalarText(node: Scalar, value: string): string {
  if (node.type === 'QUOTE_SINGLE') return `'${value.replaceAll("'", "''")}'`;
  if (node.type === 'PLAIN' || node.type === undefined) {
    const back = parseDocument(`k: ${value}`).get('k');
    if (back === value && !value.includes('#') && !value.includes(': ')) return value;
  }
  return JSON.stringify(value);
}

function spliceScalar(node: Scalar, value: string): Splice | undefined {
  if (node.value === value) return undefined;
  if (!node.range) throw new YamlEditError('a YAML scalar without a source position');
  if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED')
    throw new YamlEditError('a block scalar (| or >) holds the image; write it on one line');
  return { start: node.range[0], end: node.range[1], text: scalarText(node, value) };
}

function applySplices(text: string, splices: Splice[]): string {
  let out = text;
  for (const splice of [...splices].sort((a, b) => b.start - a.start))
    out = out.slice(0, splice.start) + splice.text + out.slice(splice.end);
  return out;
}

function parseStrict(text: string, file: string): Document[] {
  const docs = parseAllDocuments(text, { keepSourceTokens: false });
  if (!Array.isArray(docs)) return [];
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) throw new YamlEditError(`${file}: not valid YAML: ${error.message}`);
  }
  return docs;
}

/**
 * Sets newName, newTag (and digest, or removes a stale one) of the `images:` entry called
 * `entryName` (or whose newName is the image) in a kustomization; adds the entry when missing.
 */
export function setKustomizeImage(text: string, file: string, entryName: string, value: ImageValue): string {
  validateImageValue(value);
  const [doc] = parseStrict(text, file);
  if (!doc || !isMap(doc.contents))
    throw new YamlEditError(`${file}: not a kustomization (no top-level map)`);
  const images = doc.get('images', true);
  if (images !== undefined && !isSeq(images)) throw new YamlEditError(`${file}: images: is not a list`);
  const entry = isSeq(images)
    ? images.items.find(
        (item) =>
          isMap(item) &&
          (item.get('name') === entryName ||
            sameImage(String(item.get('name') ?? ''), entryName) ||
            sameImage(String(item.get('newName') ?? ''), entryName)),
      )
    : undefined;
  if (!entry || !isMap(entry)) {
    const added = new YAMLMap();
    added.set('name', entryName);
    if (!sameImage(entryName, value.name)) added.set('newName', value.name);
    added.set('newTag', value.tag);
    if (value.digest) added.set('digest', value.digest);
    if (isSeq(images)) images.items.push(added);
    else doc.set('images', doc.createNode([added]));
    return doc.toString();
  }
  const splices: Splice[] = [];
  let needsReprint = false;
  const setField = (key: string, wanted: string | undefined) => {
    const node = entry.get(key, true);
    if (wanted === undefined) {
      if (node !== undefined) {
        entry.delete(key);
        needsReprint = true;
      }
    } else if (isScalar(node)) {
      const splice = spliceScalar(node, wanted);
      if (splice) splices.push(splice);
      node.value = wanted;
    } else {
      entry.set(key, wanted);
      needsReprint = true;
    }
  };
  const newName = entry.get('newName');
  if (
    newName !== undefined
      ? !sameImage(String(newName), value.name)
      : !sameImage(String(entry.get('name')), value.name)
  )
    setField('newName', value.name);
  setField('newTag', value.tag);
  setField('digest', value.digest);
  if (needsReprint) {
    // Structure changed: print the document again (comments kept), scalar values set as well.
    return doc.toString();
  }
  return applySplices(text, splices);
}

/** Sets a dotted path (`image.tag`) of a values file; creates missing keys. */
export function setValuePath(text: string, file: string, path: string, wanted: string): string {
  const keys = path.split('.');
  if (keys.some((key) => key === '' || key === '__proto__'))
    throw new YamlEditError(`invalid values path ${JSON.stringify(path)}`);
  const [doc] = parseStrict(text, file);
  if (!doc) throw new YamlEditError(`${file}: empty`);
  const node = doc.getIn(keys, true);
  if (isScalar(node))
    return applySplices(
      text,
      [spliceScalar(node, wanted)].filter((s): s is Splice => s !== undefined),
    );
  if (node !== undefined) throw new YamlEditError(`${file}: ${path} is not a single value`);
  doc.setIn(keys, wanted);
  return doc.toString();
}

export function setHelmValues(
  text: string,
  file: string,
  paths: { tagPath?: string; imagePath?: string },
  value: ImageValue,
): string {
  validateImageValue(value);
  let out = text;
  if (paths.imagePath) out = setValuePath(out, file, paths.imagePath, reference(value));
  if (paths.tagPath) out = setValuePath(out, file, paths.tagPath, tagValue(value));
  return out;
}

/**
 * Sets marked fields (markers.ts): `choose` is asked, for each field carrying a marker, what the
 * field should now hold (undefined: leave it). Returns the text and how many fields were chosen.
 */
export function editMarkedFields(
  text: string,
  file: string,
  choose: (marker: Marker, current: unknown) => string | undefined,
): { text: string; marked: number } {
  const splices: Splice[] = [];
  let marked = 0;
  for (const doc of parseStrict(text, file)) {
    visit(doc, {
      Map(_, map) {
        for (const [index, pair] of map.items.entries()) {
          const valueNode = pair.value as Node | null;
          const keyNode = pair.key as Node | null;
          // A comment line above the first key belongs to the map in the yaml library's model.
          const above =
            index === 0
              ? [map.commentBefore, keyNode?.commentBefore].filter(Boolean).join('\n')
              : keyNode?.commentBefore;
          const marker = parseMarker(valueNode?.comment) ?? parseMarker(above);
          if (!marker) continue;
          const wanted = choose(marker, isScalar(valueNode) ? valueNode.value : undefined);
          if (wanted === undefined) continue;
          if (!isScalar(valueNode))
            throw new YamlEditError(
              `${file}: the field marked for policy ${marker.policy} is not a single value`,
            );
          marked++;
          const splice = spliceScalar(valueNode, wanted);
          if (splice) splices.push(splice);
        }
      },
    });
  }
  return { text: applySplices(text, splices), marked };
}

/** What a marked field of `kind` holds for an image value. */
export function markedValue(field: MarkedField, value: ImageValue): string {
  return field === 'image' ? reference(value) : field === 'tag' ? tagValue(value) : value.name;
}

/** Sets every field marked for `policy` (either spelling; a Flux marker must name its namespace). */
export function setMarkedFields(
  text: string,
  file: string,
  policy: PolicyRef,
  value: ImageValue,
): { text: string; marked: number } {
  validateImageValue(value);
  return editMarkedFields(text, file, (marker) =>
    markerNames(marker, policy) ? markedValue(marker.field, value) : undefined,
  );
}

import { type Document, isNode, LineCounter, parseAllDocuments } from 'yaml';
import type { KubeObject } from './object.ts';
import { ManifestParseError } from './parse-error.ts';

export { ManifestParseError } from './parse-error.ts';

/** Bounds that keep a hostile or broken repository from exhausting the process's memory. */
export interface ParseLimits {
  /** Largest single document, in UTF-8 bytes. */
  maxDocumentBytes: number;
  /** Largest whole text, in UTF-8 bytes. */
  maxTotalBytes: number;
  /** Most alias expansions per document (a "billion laughs" file expands exponentially). */
  maxAliasCount: number;
}

const MiB = 1024 * 1024;
export const defaultParseLimits: ParseLimits = {
  maxDocumentBytes: 4 * MiB,
  maxTotalBytes: 64 * MiB,
  maxAliasCount: 100,
};

/**
 * Parses multi-document YAML (or JSON, which the YAML parser reads too) into Kubernetes objects,
 * in order. Empty documents are skipped and `kind: List` documents give their items.
 *
 * YAML 1.1 is used because that is what Kubernetes' own decoder (go-yaml) speaks: `mode: 0644`
 * must be the octal 420 and `enabled: yes` a boolean, exactly as `kubectl apply` would read the
 * same file; YAML 1.2 would silently give 644 and "yes".
 */
export function parseManifests(text: string, file: string, limits: Partial<ParseLimits> = {}): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const parsed of parseDocuments(text, file, limits)) objects.push(...parsed());
  return objects;
}

/** The outcome of one document of a multi-document text: its objects, or why it has none. */
export type DocumentOutcome =
  | { document: number; line: number | undefined; objects: KubeObject[] }
  | { document: number; line: number | undefined; error: ManifestParseError; raw: unknown };

/**
 * Like parseManifests, but one bad document does not hide the others: each document gets its
 * objects or its own error (with the raw value, so a caller can still name the object). For
 * tools that report on every object of a file (`tiphys admin health`); a render still fails
 * whole. An error in the YAML stream itself, or a text over the size limit, still throws.
 */
export function parseEachDocument(
  text: string,
  file: string,
  limits: Partial<ParseLimits> = {},
): DocumentOutcome[] {
  return parseDocuments(text, file, limits).map((parsed) => {
    try {
      return { document: parsed.document, line: parsed.line, objects: parsed() };
    } catch (error) {
      if (!(error instanceof ManifestParseError)) throw error;
      return { document: parsed.document, line: parsed.line, error, raw: parsed.raw() };
    }
  });
}

type ParsedDocument = (() => KubeObject[]) & {
  document: number;
  line: number | undefined;
  raw: () => unknown;
};

/** Splits the stream into documents, each turned into objects (or an error) when called. */
function parseDocuments(text: string, file: string, limits: Partial<ParseLimits>): ParsedDocument[] {
  const bounds = { ...defaultParseLimits, ...limits };
  if (exceedsBytes(text, 0, text.length, bounds.maxTotalBytes)) {
    throw new ManifestParseError(file, `text is larger than ${bounds.maxTotalBytes} bytes`);
  }
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { version: '1.1', lineCounter: lines, prettyErrors: true });
  const streamErrors = 'errors' in docs ? docs.errors : [];
  if (streamErrors.length > 0) {
    throw new ManifestParseError(file, firstLine(streamErrors[0].message), {
      line: streamErrors[0].linePos?.[0].line,
      cause: streamErrors[0],
    });
  }
  const startLine = (offset: number | undefined) =>
    offset === undefined ? undefined : lines.linePos(offset).line;
  return docs.map((doc, index) => {
    const document = index + 1;
    const line = startLine(isNode(doc.contents) ? doc.contents.range?.[0] : doc.range[0]);
    const objectsOf = (): KubeObject[] => {
      const error = doc.errors[0];
      if (error !== undefined) {
        throw new ManifestParseError(file, firstLine(error.message), {
          document,
          line: error.linePos?.[0].line ?? startLine(error.pos[0]),
          cause: error,
        });
      }
      if (exceedsBytes(text, doc.range[0], doc.range[2], bounds.maxDocumentBytes)) {
        throw new ManifestParseError(file, `document is larger than ${bounds.maxDocumentBytes} bytes`, {
          document,
          line,
        });
      }
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: bounds.maxAliasCount });
      } catch (cause) {
        const reason = cause instanceof Error ? cause.message : String(cause);
        throw new ManifestParseError(file, reason, { document, line, cause });
      }
      if (value === null || value === undefined) return [];
      if (isRecord(value) && value.kind === 'List') {
        return listItems(value, doc, file, document, line, startLine);
      }
      return [checkObject(value, file, document, line)];
    };
    const raw = () => {
      try {
        return doc.errors.length === 0 ? doc.toJS({ maxAliasCount: bounds.maxAliasCount }) : undefined;
      } catch {
        return undefined;
      }
    };
    return Object.assign(objectsOf, { document, line, raw });
  });
}

function listItems(
  list: Record<string, unknown>,
  doc: Document.Parsed,
  file: string,
  document: number,
  line: number | undefined,
  startLine: (offset: number | undefined) => number | undefined,
): KubeObject[] {
  const items = list.items ?? [];
  if (!Array.isArray(items))
    throw new ManifestParseError(file, 'List items is not a list', { document, line });
  return items.map((item, index) => {
    const node = doc.getIn(['items', index], true);
    const itemLine = isNode(node) ? startLine(node.range?.[0]) : line;
    return checkObject(item, file, document, itemLine, `List item ${index}: `);
  });
}

/** Checks what every later step relies on, so none of them has to guard against it again. */
function checkObject(value: unknown, file: string, document: number, line: number | undefined, prefix = '') {
  const fail = (reason: string) => new ManifestParseError(file, `${prefix}${reason}`, { document, line });
  if (!isRecord(value)) throw fail(`expected a Kubernetes object, found ${describe(value)}`);
  if (typeof value.apiVersion !== 'string' || value.apiVersion === '') throw fail('apiVersion is missing');
  if (typeof value.kind !== 'string' || value.kind === '') throw fail('kind is missing');
  const metadata = value.metadata;
  if (!isRecord(metadata)) throw fail(`${value.kind} has no metadata`);
  const named = typeof metadata.name === 'string' && metadata.name !== '';
  const generated = typeof metadata.generateName === 'string' && metadata.generateName !== '';
  if (!named && !generated) throw fail(`${value.kind} has neither metadata.name nor metadata.generateName`);
  if (metadata.namespace !== undefined && typeof metadata.namespace !== 'string') {
    throw fail('metadata.namespace is not a string');
  }
  for (const field of ['labels', 'annotations'] as const) {
    const map = metadata[field];
    if (map === undefined || map === null) continue;
    if (!isRecord(map)) throw fail(`metadata.${field} is not a map`);
    // Kubernetes rejects `tiphys.dev/sync-wave: 1` (a number); saying so here points at the line.
    for (const [key, entry] of Object.entries(map)) {
      if (typeof entry !== 'string') throw fail(`metadata.${field}.${key} must be a string (quote it)`);
    }
  }
  return value as KubeObject;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'string' ? 'a string' : `a ${typeof value}`;
}

/** yaml's message without its source excerpt and position, which the error states already. */
function firstLine(message: string): string {
  return message
    .split('\n')[0]
    .replace(/ at line \d+, column \d+:?$/, '')
    .replace(/:$/, '');
}

/**
 * Whether the UTF-8 encoding of text[start, end) is longer than max, without allocating the encoding
 * (the text may be tens of MiB). A UTF-16 unit encodes to 1–3 bytes, so most texts are decided
 * by their length alone.
 */
function exceedsBytes(text: string, start: number, end: number, max: number): boolean {
  if (end - start > max) return true;
  if ((end - start) * 3 <= max) return false;
  let bytes = 0;
  for (let i = start; i < end; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      bytes += 4; // a surrogate pair: one 4-byte code point for two units
      i++;
    } else bytes += 3;
    if (bytes > max) return true;
  }
  return false;
}

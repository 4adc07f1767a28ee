// Parameters of Argo CD's default ({{param}}) templating: a flat map of string to string. These
// helpers build them the way Argo CD's generators do, so templates written for it read the
// same names (path.basename, metadata.labels.region, values.x, nested.key.from.a.file).

export type Params = Record<string, string>;

/** A generator's problem (bad input, a source that cannot be read); the set keeps its apps. */
export class GeneratorError extends Error {
  override name = 'GeneratorError';
}

/**
 * A name made fit for a Kubernetes object name (Argo CD's `…Normalized` params): lowercase,
 * anything outside [a-z0-9.-] becomes `-`, and it starts and ends with a letter or digit.
 */
export function normalizeName(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '')
    .slice(0, 253);
}

/** A scalar as a parameter value; objects and arrays are refused (flatten them first). */
export function scalarParam(key: string, value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return '';
  throw new GeneratorError(`${where}: ${key} is not a string, number or boolean`);
}

/**
 * Nested objects and arrays flattened with dots (`a.b.c`, `list.0.name`), as Argo CD does with
 * the content of a Git file.
 */
export function flatten(value: unknown, prefix = '', out: Params = {}): Params {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) flatten(item, prefix ? `${prefix}.${i}` : String(i), out);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) flatten(item, prefix ? `${prefix}.${key}` : key, out);
  } else if (prefix !== '') {
    out[prefix] = value === null || value === undefined ? '' : String(value);
  }
  return out;
}

/**
 * The path params of a Git generator: `path`, `path.basename`, `path.basenameNormalized`,
 * `path[N]` for each segment, and for files `path.filename` and `path.filenameNormalized`.
 * `path` is a directory (for a file: the one holding it). A prefix (pathParamPrefix) goes in front.
 */
export function pathParams(directory: string, prefix = '', filename?: string): Params {
  const key = prefix ? `${prefix}.path` : 'path';
  const segments = directory === '.' || directory === '' ? [] : directory.split('/');
  const basename = segments.at(-1) ?? '.';
  const params: Params = {
    [key]: directory === '' ? '.' : directory,
    [`${key}.basename`]: basename,
    [`${key}.basenameNormalized`]: normalizeName(basename),
  };
  segments.forEach((segment, i) => {
    params[`${key}[${i}]`] = segment;
  });
  if (filename !== undefined) {
    params[`${key}.filename`] = filename;
    params[`${key}.filenameNormalized`] = normalizeName(filename);
  }
  return params;
}

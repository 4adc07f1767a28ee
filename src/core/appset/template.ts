// Argo CD's default templating (fasttemplate): every `{{ name }}` in a string is replaced by the
// parameter of that name, spaces inside the braces ignored. A tag naming no parameter stays as
// written, so a typo shows up in the generated app (and usually fails its validation) instead of
// silently becoming empty. Keys are substituted too (labels like `{{team}}-owner`).
import type { Params } from './params.ts';

const TAG = /\{\{([^{}]*)\}\}/g;

export function substitute(text: string, params: Params): string {
  if (!text.includes('{{')) return text;
  return text.replace(TAG, (whole, name: string) => {
    const value = params[name.trim()];
    return value === undefined ? whole : value;
  });
}

/** A copy of a JSON value with every string (and object key) substituted. */
export function renderTemplate<T>(value: T, params: Params): T {
  return walk(value, params) as T;
}

function walk(value: unknown, params: Params): unknown {
  if (typeof value === 'string') return substitute(value, params);
  if (Array.isArray(value)) return value.map((item) => walk(item, params));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[substitute(key, params)] = walk(item, params);
    return out;
  }
  return value;
}

/** The tags of a value that no parameter filled (for the error naming them). */
export function unresolvedTags(value: unknown): string[] {
  const found = new Set<string>();
  const visit = (v: unknown) => {
    if (typeof v === 'string') for (const m of v.matchAll(TAG)) found.add(m[0]);
    else if (Array.isArray(v)) v.forEach(visit);
    else if (v !== null && typeof v === 'object')
      for (const [k, item] of Object.entries(v)) {
        visit(k);
        visit(item);
      }
  };
  visit(value);
  return [...found];
}

/**
 * A generator's own template merged over the set's (Argo CD's override): objects merge key by
 * key, anything else in the override replaces the set's value unless it is empty.
 */
export function mergeTemplate<T>(base: T, override: unknown): T {
  if (override === undefined || override === null) return base;
  if (isObject(base) && isObject(override)) {
    const out: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(override)) out[key] = mergeTemplate(out[key], value);
    return out as T;
  }
  if (override === '' || (Array.isArray(override) && override.length === 0)) return base;
  return override as T;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

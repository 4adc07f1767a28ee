import { parse as parseYaml } from 'yaml';
import { groupKindOf } from '../manifest/key.ts';
import type { KubeObject } from '../manifest/object.ts';
import {
  CelHealthConfigError,
  type CompiledCelHealth,
  compileCelHealth,
  parseCelHealthRule,
} from './cel-health.ts';
import { isFields } from './fields.ts';

/** A custom health check of one kind (or of the kinds a wildcard pattern matches). */
export type HealthCustomization =
  | { language: 'lua'; pattern: string; key: string; script: string }
  | { language: 'cel'; pattern: string; key: string; cel: CompiledCelHealth };

export interface HealthCustomizations {
  /** By `group/Kind` pattern; `*` in a pattern matches any run of characters but `/`. */
  checks: HealthCustomization[];
  /** One sentence per key that could not be used, naming the key and the cause. */
  errors: string[];
}

export const emptyCustomizations: HealthCustomizations = Object.freeze({ checks: [], errors: [] });

const prefix = 'resource.customizations.';
const luaPrefix = `${prefix}health.`;
const celPrefix = `${prefix}health.cel.`;
const openLibsPrefix = `${prefix}useOpenLibs.`;

/**
 * `cert-manager.io_Certificate` → `cert-manager.io/Certificate`; `Pod` (core group) → `/Pod`;
 * `all` → every kind. The same spelling as Argo CD's `argocd-cm` keys, so they can be copied.
 */
export function patternOfKeySuffix(suffix: string): string | undefined {
  if (suffix === 'all') return '*/*';
  const parts = suffix.split('_');
  if (parts.length === 2 && parts[1] !== '') return `${parts[0]}/${parts[1]}`;
  if (parts.length === 1 && suffix !== '') return `/${suffix}`;
  return undefined;
}

/**
 * The health customizations of a ConfigMap's data (Tiphys's `tiphys-cm`, laid out like Argo
 * CD's `argocd-cm`):
 * - `resource.customizations.health.<group>_<kind>`: a Lua health script (Argo CD's contract);
 * - `resource.customizations.health.cel.<group>_<kind>`: CEL expressions (current,
 *   inProgress, failed), as Flux's healthCheckExprs;
 * - `resource.customizations`: Argo CD's older single key, a YAML map of `group/Kind` to
 *   `{health.lua: …}`;
 * - `resource.customizations.useOpenLibs.<group>_<kind>`: accepted and ignored, since the
 *   libraries a health script may use are always the same safe set (docs/health.md).
 * Other `resource.customizations.*` keys are not about health and are left to their readers.
 * A key that cannot be used is reported in errors and skipped; the others still apply.
 */
export function parseHealthCustomizations(data: Readonly<Record<string, string>>): HealthCustomizations {
  const checks: HealthCustomization[] = [];
  const errors: string[] = [];
  for (const key of Object.keys(data).sort()) {
    const value = data[key];
    if (key.startsWith(celPrefix)) {
      const pattern = patternOfKeySuffix(key.slice(celPrefix.length));
      if (pattern === undefined) {
        errors.push(`${key}: expected ${celPrefix}<group>_<kind> or ${celPrefix}<kind>`);
        continue;
      }
      try {
        checks.push({ language: 'cel', pattern, key, cel: compileCelHealth(parseCelHealthRule(value)) });
      } catch (error) {
        if (!(error instanceof CelHealthConfigError)) throw error;
        errors.push(`${key}: ${error.message}`);
      }
    } else if (key.startsWith(luaPrefix)) {
      const pattern = patternOfKeySuffix(key.slice(luaPrefix.length));
      if (pattern === undefined)
        errors.push(`${key}: expected ${luaPrefix}<group>_<kind> or ${luaPrefix}<kind>`);
      else if (value.trim() === '') errors.push(`${key}: the Lua script is empty`);
      else checks.push({ language: 'lua', pattern, key, script: value });
    } else if (key === 'resource.customizations') {
      checks.push(...legacyLuaChecks(key, value, errors));
    } else if (key.startsWith(openLibsPrefix)) {
      // Accepted for compatibility; see the comment above.
    }
  }
  // Two checks of the same kinds: a Lua key wins over a CEL one, and both over the old single
  // key, so the choice never depends on how keys happen to be ordered.
  const ranked = checks.toSorted((a, b) => rank(a) - rank(b));
  for (const pattern of new Set(ranked.map((check) => check.pattern))) {
    const keys = ranked.filter((check) => check.pattern === pattern).map((check) => check.key);
    if (keys.length > 1)
      errors.push(`${keys.join(' and ')} check the same kinds (${pattern}): only ${keys[0]} is used`);
  }
  return { checks: dedupe(ranked), errors };
}

function legacyLuaChecks(key: string, value: string, errors: string[]): HealthCustomization[] {
  let parsed: unknown;
  try {
    parsed = parseYaml(value, { maxAliasCount: 10 });
  } catch (error) {
    errors.push(`${key}: not YAML: ${error instanceof Error ? error.message.split('\n')[0] : error}`);
    return [];
  }
  if (!isFields(parsed)) {
    errors.push(`${key}: expected a map of group/Kind to customizations`);
    return [];
  }
  return Object.entries(parsed).flatMap(([groupKind, entry]) => {
    const script = isFields(entry) ? entry['health.lua'] : undefined;
    if (typeof script !== 'string' || script.trim() === '') return [];
    const pattern = groupKind.includes('/') ? groupKind : `/${groupKind}`;
    return [{ language: 'lua' as const, pattern, key: `${key}[${groupKind}]`, script }];
  });
}

const rank = (check: HealthCustomization) =>
  check.key.startsWith('resource.customizations[') ? 2 : check.language === 'lua' ? 0 : 1;

/** Keeps the first check of each pattern. */
function dedupe(checks: HealthCustomization[]): HealthCustomization[] {
  const seen = new Set<string>();
  return checks.filter((check) => !seen.has(check.pattern) && Boolean(seen.add(check.pattern)));
}

function matches(pattern: string, groupKind: string): boolean {
  if (!pattern.includes('*')) return pattern === groupKind;
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('[^/]*')}$`);
  return regex.test(groupKind);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The customization that checks the object's kind: one for its exact `group/Kind` first, then
 * the first wildcard pattern (in key order) that matches.
 */
export function customizationFor(
  customizations: HealthCustomizations,
  obj: KubeObject,
): HealthCustomization | undefined {
  const groupKind = groupKindOf(obj);
  return (
    customizations.checks.find((check) => check.pattern === groupKind) ??
    customizations.checks.find((check) => check.pattern.includes('*') && matches(check.pattern, groupKind))
  );
}

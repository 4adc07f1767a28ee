// Custom actions from `tiphys-cm`, in Argo CD's layout so keys copied from `argocd-cm` work
// unchanged: `resource.customizations.actions.<group>_<kind>` holds YAML with a `discovery.lua`
// (returns the table of actions the object offers now), `definitions` (each a `name` and an
// `action.lua` returning the changed object), and `mergeBuiltinActions` (also offer the built-in
// ones). A key that cannot be used is reported with its cause and skipped.
import { parse as parseYaml } from 'yaml';
import { patternOfKeySuffix } from '../health/customizations.ts';
import { groupKindOf } from '../manifest/key.ts';
import type { KubeObject } from '../manifest/object.ts';

export interface ActionCustomization {
  /** `group/Kind`; the `all` key gives the pattern matching every kind. */
  pattern: string;
  key: string;
  discovery: string;
  /** Action name → its action.lua. */
  definitions: ReadonlyMap<string, string>;
  mergeBuiltinActions: boolean;
}

export interface ActionCustomizations {
  actions: ActionCustomization[];
  /** One sentence per key that could not be used, naming the key and the cause. */
  errors: string[];
}

export const ACTIONS_PREFIX = 'resource.customizations.actions.';
/** Action names travel in RBAC objects (`action/apps/Deployment/NAME`) and URLs: kept plain. */
const ACTION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

const isFields = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function isActionName(name: string): boolean {
  return ACTION_NAME.test(name);
}

export function parseActionCustomizations(data: Readonly<Record<string, string>>): ActionCustomizations {
  const actions: ActionCustomization[] = [];
  const errors: string[] = [];
  for (const key of Object.keys(data).sort()) {
    if (!key.startsWith(ACTIONS_PREFIX)) continue;
    const pattern = patternOfKeySuffix(key.slice(ACTIONS_PREFIX.length));
    if (pattern === undefined) {
      errors.push(`${key}: expected ${ACTIONS_PREFIX}<group>_<kind> or ${ACTIONS_PREFIX}<kind>`);
      continue;
    }
    const parsed = parseEntry(data[key]);
    if (typeof parsed === 'string') errors.push(`${key}: ${parsed}`);
    else actions.push({ pattern, key, ...parsed });
  }
  return { actions, errors };
}

function parseEntry(text: string): Omit<ActionCustomization, 'pattern' | 'key'> | string {
  let value: unknown;
  try {
    value = parseYaml(text, { maxAliasCount: 10 });
  } catch (error) {
    return `not YAML: ${error instanceof Error ? error.message.split('\n')[0] : error}`;
  }
  if (!isFields(value)) return 'expected a map with discovery.lua and definitions';
  const discovery = value['discovery.lua'];
  if (typeof discovery !== 'string' || discovery.trim() === '') return 'discovery.lua is missing or empty';
  const definitions = new Map<string, string>();
  const list = value.definitions ?? [];
  if (!Array.isArray(list)) return 'definitions must be a list of {name, action.lua}';
  for (const [index, entry] of list.entries()) {
    const name = isFields(entry) ? entry.name : undefined;
    const script = isFields(entry) ? entry['action.lua'] : undefined;
    if (typeof name !== 'string' || !isActionName(name)) {
      return `definitions[${index}]: name must be letters, digits, ".", "_" or "-" (at most 63)`;
    }
    if (typeof script !== 'string' || script.trim() === '')
      return `definitions[${index}] (${name}): action.lua is missing`;
    if (definitions.has(name)) return `definitions: ${name} is defined twice`;
    definitions.set(name, script);
  }
  return { discovery, definitions, mergeBuiltinActions: value.mergeBuiltinActions === true };
}

/** The customization of the object's kind: its exact `group/Kind` first, then the `all` key. */
export function actionCustomizationFor(
  customizations: ActionCustomizations,
  obj: KubeObject,
): ActionCustomization | undefined {
  const groupKind = groupKindOf(obj);
  return (
    customizations.actions.find((entry) => entry.pattern === groupKind) ??
    customizations.actions.find((entry) => entry.pattern === '*/*')
  );
}

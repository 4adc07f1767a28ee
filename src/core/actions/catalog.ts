// Which actions an object offers, and what running one makes of it: the built-in actions of its
// kind, then the custom ones of `tiphys-cm` (which replace the built-in ones unless
// `mergeBuiltinActions` says to keep them; a custom action of a built-in's name wins). Custom
// scripts run through a LuaValueRunner (the sandboxed VM of health scripts, src/adapters/health).
import type { KubeObject } from '../manifest/object.ts';
import { builtinActionsFor } from './builtin.ts';
import { type ActionCustomizations, actionCustomizationFor, isActionName } from './customizations.ts';
import { type ActionChange, actionChange } from './result.ts';
import {
  ActionInputError,
  type ActionParameter,
  type ActionParameterSpec,
  ActionScriptError,
  type BuiltinAction,
  type ResourceAction,
} from './types.ts';

export type LuaValueOutcome = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * Runs one Lua script with `obj` (and any extra globals) and hands back what it returned; in
 * another thread (src/adapters/health/lua-runtime.ts), so the caller's event loop goes on.
 */
export interface LuaValueRunner {
  evaluate(
    script: string,
    obj: KubeObject,
    name: string,
    globals?: Record<string, unknown>,
  ): Promise<LuaValueOutcome>;
}

type Fields = Record<string, unknown>;
const isFields = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

type Offered =
  | { action: ResourceAction; builtin: BuiltinAction }
  | { action: ResourceAction; script: string; key: string };

export interface ActionList {
  actions: ResourceAction[];
  /** Why the custom actions of the kind could not be listed (the built-in ones still are). */
  error?: string;
}

const where = (obj: KubeObject) =>
  `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`;

function paramsOf(value: unknown): ActionParameterSpec[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const params = value.flatMap((entry) =>
    isFields(entry) && typeof entry.name === 'string' ? [{ name: entry.name }] : [],
  );
  return params.length > 0 ? params : undefined;
}

async function offered(
  obj: KubeObject,
  customizations: ActionCustomizations,
  lua: LuaValueRunner,
): Promise<{ offers: Offered[]; error?: string }> {
  const builtins: Offered[] = builtinActionsFor(obj).map((builtin) => ({
    builtin,
    action: {
      name: builtin.name,
      disabled: builtin.disabled?.(obj) ?? false,
      ...(builtin.params ? { params: builtin.params } : {}),
      source: 'builtin',
    },
  }));
  const custom = actionCustomizationFor(customizations, obj);
  if (!custom) return { offers: builtins };
  const kept = custom.mergeBuiltinActions ? builtins : [];
  const outcome = await lua.evaluate(custom.discovery, obj, `${custom.key}/discovery.lua`);
  if (!outcome.ok) return { offers: kept, error: `${custom.key}: discovery.lua failed: ${outcome.error}` };
  // An empty Lua table reads as {} or []: both mean no actions.
  const listed = Array.isArray(outcome.value) && outcome.value.length === 0 ? {} : outcome.value;
  if (!isFields(listed)) {
    return { offers: kept, error: `${custom.key}: discovery.lua must return a table of actions by name` };
  }
  const customs: Offered[] = [];
  for (const [name, entry] of Object.entries(listed)) {
    const script = custom.definitions.get(name);
    if (script === undefined || !isActionName(name)) continue;
    const fields = isFields(entry) ? entry : {};
    const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
    const params = paramsOf(fields.params);
    const displayName = text(fields.displayName);
    const iconClass = text(fields.iconClass);
    customs.push({
      script,
      key: custom.key,
      action: {
        name,
        disabled: fields.disabled === true,
        ...(displayName ? { displayName } : {}),
        ...(iconClass ? { iconClass } : {}),
        ...(params ? { params } : {}),
        source: 'custom',
      },
    });
  }
  const names = new Set(customs.map((offer) => offer.action.name));
  const offers = [...kept.filter((offer) => !names.has(offer.action.name)), ...customs];
  return { offers: offers.sort((a, b) => a.action.name.localeCompare(b.action.name)) };
}

/** The actions the object offers now. */
export async function listActions(
  obj: KubeObject,
  customizations: ActionCustomizations,
  lua: LuaValueRunner,
): Promise<ActionList> {
  const { offers, error } = await offered(obj, customizations, lua);
  return { actions: offers.map((offer) => offer.action), ...(error ? { error } : {}) };
}

const MAX_PARAMS = 16;
const MAX_PARAM_LENGTH = 1024;

function parameterMap(params: readonly ActionParameter[]): Map<string, string> {
  if (params.length > MAX_PARAMS) throw new ActionInputError(`at most ${MAX_PARAMS} parameters`);
  const map = new Map<string, string>();
  for (const { name, value } of params) {
    if (!isActionName(name)) throw new ActionInputError(`parameter name "${name.slice(0, 40)}" is not valid`);
    if (value.length > MAX_PARAM_LENGTH)
      throw new ActionInputError(`parameter ${name} is longer than ${MAX_PARAM_LENGTH} characters`);
    if (map.has(name)) throw new ActionInputError(`parameter ${name} is given twice`);
    map.set(name, value);
  }
  return map;
}

/**
 * What running the action makes of the object: the patches to apply. Throws ActionInputError
 * for an action the object does not offer (or offers disabled) or bad parameters, and
 * ActionScriptError for a custom script that fails or returns what Tiphys will not apply.
 */
export async function runAction(
  obj: KubeObject,
  name: string,
  params: readonly ActionParameter[],
  customizations: ActionCustomizations,
  lua: LuaValueRunner,
  now: string,
): Promise<ActionChange> {
  const { offers, error } = await offered(obj, customizations, lua);
  const offer = offers.find((candidate) => candidate.action.name === name);
  if (!offer) {
    const known = offers.map((candidate) => candidate.action.name);
    throw new ActionInputError(
      `${where(obj)} has no action "${name.slice(0, 63)}"; ${known.length > 0 ? `it has ${known.join(', ')}` : 'it has none'}${error ? ` (${error})` : ''}`,
    );
  }
  if (offer.action.disabled)
    throw new ActionInputError(`action ${name} is disabled for ${where(obj)} in its current state`);
  const values = parameterMap(params);
  if ('builtin' in offer) {
    const allowed = new Set((offer.builtin.params ?? []).map((p) => p.name));
    const unknown = [...values.keys()].filter((key) => !allowed.has(key));
    if (unknown.length > 0)
      throw new ActionInputError(`action ${name} takes no parameter ${unknown.join(', ')}`);
    return actionChange(obj, offer.builtin.run(obj, values, now));
  }
  const outcome = await lua.evaluate(offer.script, obj, `${offer.key}/${name}/action.lua`, {
    actionParams: Object.fromEntries(values),
  });
  if (!outcome.ok) throw new ActionScriptError(`action ${name} of ${where(obj)} failed: ${outcome.error}`);
  try {
    return actionChange(obj, outcome.value);
  } catch (failure) {
    if (failure instanceof ActionScriptError) {
      throw new ActionScriptError(`action ${name} of ${where(obj)}: ${failure.message}`);
    }
    throw failure;
  }
}

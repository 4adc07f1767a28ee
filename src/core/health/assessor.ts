import type { KubeObject } from '../manifest/object.ts';
import { evaluateCelHealth } from './cel-health.ts';
import { customizationFor, emptyCustomizations, type HealthCustomizations } from './customizations.ts';
import { stringAt } from './fields.ts';
import { assessHealth } from './index.ts';
import { healthFromLua, type LuaHealthOutcome } from './lua-contract.ts';
import { type HealthResult, progressing, unknown } from './status.ts';

/**
 * Health of one live object; null when nothing can be said (counts as Healthy). A promise: a
 * custom Lua check runs in another thread, and its caller's event loop goes on meanwhile.
 */
export type HealthAssessor = (obj: KubeObject) => Promise<HealthResult | null>;

/** Tiphys's own checks, as an assessor. */
export const builtinHealth: HealthAssessor = async (obj) => assessHealth(obj);

/**
 * Runs a Lua health script on an object, sandboxed (src/adapters/health/lua-runtime.ts). An
 * interface here so that the rules of which check applies stay pure and testable.
 */
export interface LuaHealthRunner {
  run(script: string, obj: KubeObject, name: string): Promise<LuaHealthOutcome>;
}

/**
 * The health assessor with an installation's customizations: an object being deleted is
 * Progressing (as in Argo CD, before any custom check); a kind with a Lua script or CEL
 * expressions is judged by them; everything else by Tiphys's own checks (assessHealth). A
 * customization overrides a built-in check, so a user can fix one without waiting for a release.
 */
export function healthAssessor(
  customizations: HealthCustomizations = emptyCustomizations,
  lua?: LuaHealthRunner,
): HealthAssessor {
  if (customizations.checks.length === 0) return builtinHealth;
  return async (obj) => {
    if (stringAt(obj, 'metadata', 'deletionTimestamp') !== undefined) return progressing('Pending deletion');
    const custom = customizationFor(customizations, obj);
    if (custom === undefined) return assessHealth(obj);
    if (custom.language === 'cel') return evaluateCelHealth(custom.cel, obj);
    if (lua === undefined) return unknown(`${custom.key}: Lua health scripts cannot run here`);
    return healthFromLua(await lua.run(custom.script, obj, custom.key));
  };
}

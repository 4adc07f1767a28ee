import { annotationOf, type KubeObject } from './object.ts';

/**
 * The annotations Tiphys reads. Argo CD's and Helm's equivalents are read as aliases so that
 * existing config repositories work unchanged; when both are present Tiphys's own wins.
 */
export const Annotations = {
  hook: 'tiphys.dev/hook',
  syncWave: 'tiphys.dev/sync-wave',
  hookDeletePolicy: 'tiphys.dev/hook-delete-policy',
  syncOptions: 'tiphys.dev/sync-options',
  compareOptions: 'tiphys.dev/compare-options',
} as const;

export const ArgoCdAnnotations = {
  hook: 'argocd.argoproj.io/hook',
  syncWave: 'argocd.argoproj.io/sync-wave',
  hookDeletePolicy: 'argocd.argoproj.io/hook-delete-policy',
  syncOptions: 'argocd.argoproj.io/sync-options',
  compareOptions: 'argocd.argoproj.io/compare-options',
} as const;

export const HelmAnnotations = {
  hook: 'helm.sh/hook',
  hookWeight: 'helm.sh/hook-weight',
  hookDeletePolicy: 'helm.sh/hook-delete-policy',
} as const;

/** 'Skip' marks an object that is never applied: a hook for a phase Tiphys does not run. */
export type HookPhase = 'PreSync' | 'Sync' | 'PostSync' | 'SyncFail' | 'Skip';
export const HookPhases = {
  PreSync: 'PreSync',
  Sync: 'Sync',
  PostSync: 'PostSync',
  SyncFail: 'SyncFail',
  Skip: 'Skip',
} as const satisfies Record<HookPhase, HookPhase>;

export type HookDeletePolicy = 'HookSucceeded' | 'HookFailed' | 'BeforeHookCreation';
export const HookDeletePolicies = {
  HookSucceeded: 'HookSucceeded',
  HookFailed: 'HookFailed',
  BeforeHookCreation: 'BeforeHookCreation',
} as const satisfies Record<HookDeletePolicy, HookDeletePolicy>;

const helmHookPhases: Record<string, HookPhase> = {
  'pre-install': 'PreSync',
  'pre-upgrade': 'PreSync',
  'post-install': 'PostSync',
  'post-upgrade': 'PostSync',
};

const helmDeletePolicies: Record<string, HookDeletePolicy> = {
  'hook-succeeded': 'HookSucceeded',
  'hook-failed': 'HookFailed',
  'before-hook-creation': 'BeforeHookCreation',
};

/** Comma-separated tokens, trimmed, empty ones dropped. */
function tokens(value: string): string[] {
  return value
    .split(',')
    .map((token) => token.trim())
    .filter((token) => token !== '');
}

/** The first of the names whose annotation is present with a non-blank value. */
function firstPresent(obj: KubeObject, ...names: string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = annotationOf(obj, name);
    if (value !== undefined && value.trim() !== '') return { name, value };
  }
  return undefined;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/**
 * The hook phases of the object; [] for an ordinary resource. A blank annotation counts as
 * absent (usually a template that rendered nothing). An annotation naming only phases Tiphys does
 * not run (Helm's test, pre-delete, pre-rollback…; Argo CD's PreDelete) gives ['Skip']: running
 * such a hook as an ordinary resource would be wrong. Helm's `crd-install` is not a hook at all:
 * Helm 2 used it to mark CRDs, which are applied normally.
 */
export function hookPhasesOf(obj: KubeObject): HookPhase[] {
  const own = firstPresent(obj, Annotations.hook, ArgoCdAnnotations.hook);
  if (own !== undefined) {
    const phases = tokens(own.value).filter((token): token is HookPhase => Object.hasOwn(HookPhases, token));
    return phases.length > 0 ? unique(phases) : ['Skip'];
  }
  const helm = firstPresent(obj, HelmAnnotations.hook);
  if (helm === undefined) return [];
  const names = tokens(helm.value).filter((token) => token !== 'crd-install');
  if (names.length === 0) return [];
  const phases = names.flatMap((name) => (Object.hasOwn(helmHookPhases, name) ? [helmHookPhases[name]] : []));
  return phases.length > 0 ? unique(phases) : ['Skip'];
}

export function isHook(obj: KubeObject): boolean {
  return hookPhasesOf(obj).length > 0;
}

function parseWave(value: string): number | undefined {
  const trimmed = value.trim();
  return /^[+-]?\d{1,9}$/.test(trimmed) ? Number(trimmed) : undefined;
}

/**
 * The sync wave, 0 by default. Helm's hook-weight counts only for Helm hooks, as in Helm.
 * A value that is not an integer is ignored (wave 0), as Argo CD does, so a repository that
 * works there keeps working here.
 */
export function syncWaveOf(obj: KubeObject): number {
  const own = firstPresent(obj, Annotations.syncWave, ArgoCdAnnotations.syncWave);
  if (own !== undefined) return parseWave(own.value) ?? 0;
  if (annotationOf(obj, HelmAnnotations.hook) === undefined) return 0;
  const weight = annotationOf(obj, HelmAnnotations.hookWeight);
  return weight === undefined ? 0 : (parseWave(weight) ?? 0);
}

/**
 * The delete policies of a hook; when none is given the default is BeforeHookCreation, so a
 * hook re-run on the next sync replaces the previous run instead of failing on a name clash.
 */
export function hookDeletePoliciesOf(obj: KubeObject): HookDeletePolicy[] {
  const own = firstPresent(obj, Annotations.hookDeletePolicy, ArgoCdAnnotations.hookDeletePolicy);
  let policies: HookDeletePolicy[] = [];
  if (own !== undefined) {
    policies = tokens(own.value).filter((token): token is HookDeletePolicy =>
      Object.hasOwn(HookDeletePolicies, token),
    );
  } else {
    const helm = firstPresent(obj, HelmAnnotations.hookDeletePolicy);
    if (helm !== undefined) {
      policies = tokens(helm.value).flatMap((name) =>
        Object.hasOwn(helmDeletePolicies, name) ? [helmDeletePolicies[name]] : [],
      );
    }
  }
  return policies.length > 0 ? unique(policies) : ['BeforeHookCreation'];
}

/**
 * `Key=Value,Key2=Value2` into a record. A bare token (Argo CD's `IgnoreExtraneous`) means
 * 'true'. Options are merged key by key: the alias is read first and Tiphys's own annotation
 * overrides the keys it names, so adding one Tiphys option keeps the Argo CD ones in force.
 */
function optionsOf(obj: KubeObject, alias: string, own: string): Record<string, string> {
  // A Map, not an object literal: a key such as `__proto__` must stay an ordinary key.
  const options = new Map<string, string>();
  for (const name of [alias, own]) {
    const value = annotationOf(obj, name);
    if (value === undefined) continue;
    for (const token of tokens(value)) {
      const equals = token.indexOf('=');
      if (equals === 0) continue;
      if (equals < 0) options.set(token, 'true');
      else options.set(token.slice(0, equals).trim(), token.slice(equals + 1).trim());
    }
  }
  return Object.fromEntries(options);
}

export function syncOptionsOf(obj: KubeObject): Record<string, string> {
  return optionsOf(obj, ArgoCdAnnotations.syncOptions, Annotations.syncOptions);
}

export function compareOptionsOf(obj: KubeObject): Record<string, string> {
  return optionsOf(obj, ArgoCdAnnotations.compareOptions, Annotations.compareOptions);
}

// Sync options, the same vocabulary at application level (spec.syncPolicy.syncOptions,
// `CreateNamespace=true`) and per object (the sync-options annotation, `Prune=false`). An
// object's own option overrides the application's.

export type PropagationPolicy = 'foreground' | 'background' | 'orphan';

export interface SyncOptionSet {
  /** Per object: false keeps the object when it is no longer desired (`Prune=false`). */
  prune?: boolean;
  pruneLast?: boolean;
  createNamespace?: boolean;
  applyOutOfSyncOnly?: boolean;
  /** An apply keeps the live values of the fields the app's ignoreDifferences name. */
  respectIgnoreDifferences?: boolean;
  replace?: boolean;
  force?: boolean;
  serverSideApply?: boolean;
  validate?: boolean;
  skipDryRunOnMissingResource?: boolean;
  prunePropagationPolicy?: PropagationPolicy;
  /** Fail the sync rather than apply an object another Application owns or renders. */
  failOnSharedResource?: boolean;
}

/** What the controller needs to run one task; every field decided, nothing left to merge. */
export interface TaskOptions {
  serverSideApply: boolean;
  replace: boolean;
  force: boolean;
  validate: boolean;
  /** Do not dry-run this task before the sync: its kind or namespace is created by the sync. */
  skipDryRun: boolean;
  propagationPolicy: PropagationPolicy;
}

type BooleanOption = Exclude<keyof SyncOptionSet, 'prunePropagationPolicy'>;

const booleanOptions: Record<string, BooleanOption> = {
  Prune: 'prune',
  PruneLast: 'pruneLast',
  CreateNamespace: 'createNamespace',
  ApplyOutOfSyncOnly: 'applyOutOfSyncOnly',
  RespectIgnoreDifferences: 'respectIgnoreDifferences',
  Replace: 'replace',
  Force: 'force',
  ServerSideApply: 'serverSideApply',
  Validate: 'validate',
  SkipDryRunOnMissingResource: 'skipDryRunOnMissingResource',
  FailOnSharedResource: 'failOnSharedResource',
};

const propagationPolicies: readonly PropagationPolicy[] = ['foreground', 'background', 'orphan'];

/**
 * Reads `Name=value` pairs, from an annotation (already split into a record) or an
 * Application's list. Unknown names and unreadable values are returned, not thrown: an option
 * Tiphys does not know (Argo CD has a few more) must not block a sync. `Prune=confirm` counts as
 * Prune=false: Tiphys has no confirmation step, and keeping the object is the safe reading.
 */
export function parseSyncOptions(entries: readonly string[] | Readonly<Record<string, string>>): {
  options: SyncOptionSet;
  unknown: string[];
} {
  const pairs: [string, string][] = Array.isArray(entries)
    ? entries.map((entry) => {
        const equals = entry.indexOf('=');
        return equals < 0
          ? [entry.trim(), 'true']
          : [entry.slice(0, equals).trim(), entry.slice(equals + 1).trim()];
      })
    : Object.entries(entries);
  const options: SyncOptionSet = {};
  const unknown: string[] = [];
  for (const [name, rawValue] of pairs) {
    const value = rawValue.toLowerCase();
    if (name === 'PrunePropagationPolicy' && (propagationPolicies as readonly string[]).includes(value)) {
      options.prunePropagationPolicy = value as PropagationPolicy;
    } else if (name === 'Prune' && value === 'confirm') {
      options.prune = false;
    } else if (Object.hasOwn(booleanOptions, name) && (value === 'true' || value === 'false')) {
      options[booleanOptions[name]] = value === 'true';
    } else {
      unknown.push(`${name}=${rawValue}`);
    }
  }
  return { options, unknown };
}

/** The object's options over the application's. */
export function mergeSyncOptions(
  app: SyncOptionSet | undefined,
  own: SyncOptionSet | undefined,
): SyncOptionSet {
  const merged: SyncOptionSet = { ...app };
  for (const [name, value] of Object.entries(own ?? {})) {
    if (value !== undefined) Object.assign(merged, { [name]: value });
  }
  return merged;
}

/** Decides every option of a task. Server-side apply is Tiphys's default way of applying. */
export function taskOptionsOf(options: SyncOptionSet, skipDryRun: boolean): TaskOptions {
  return {
    serverSideApply: options.serverSideApply ?? true,
    replace: options.replace ?? false,
    force: options.force ?? false,
    validate: options.validate ?? true,
    skipDryRun: skipDryRun || (options.skipDryRunOnMissingResource ?? false),
    propagationPolicy: options.prunePropagationPolicy ?? 'foreground',
  };
}

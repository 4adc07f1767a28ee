import { deepEqual } from '../diff/json.ts';
import { keepIgnoredLiveValues } from '../diff/keep-ignored.ts';
import { SyncPlanError } from './errors.ts';
import { generatedHookName } from './hook-name.ts';
import { defaultKeyOf, groupOf } from './object-ref.ts';
import { mergeSyncOptions, type SyncOptionSet, taskOptionsOf } from './options.ts';
import { compareTasks } from './order.ts';
import { applyRefusal, hookRefusal } from './ownership.ts';
import type {
  DesiredResource,
  HookDeletePolicy,
  KubeObject,
  LiveResource,
  SkippedResource,
  SyncInput,
  SyncPhase,
  SyncPlan,
  SyncTask,
  TaskType,
} from './types.ts';

export type PlanResult = { ok: true; plan: SyncPlan } | { ok: false; error: SyncPlanError };

/** A task before its options are decided: skipping the dry run depends on the whole plan. */
interface Draft {
  task: Omit<SyncTask, 'options'>;
  options: SyncOptionSet;
}

const RUN_PHASES: readonly SyncPhase[] = ['PreSync', 'Sync', 'PostSync', 'SyncFail'];

function runPhasesOf(resource: DesiredResource): SyncPhase[] {
  const types = resource.hookTypes ?? [];
  if (types.includes('Skip')) return [];
  return RUN_PHASES.filter((phase) => types.includes(phase));
}

const isHook = (resource: DesiredResource) => (resource.hookTypes ?? []).length > 0;
const isSkipped = (resource: DesiredResource) => (resource.hookTypes ?? []).includes('Skip');

function draft(
  phase: SyncPhase,
  type: TaskType,
  key: string,
  object: KubeObject,
  wave: number,
  options: SyncOptionSet,
  deletePolicies: readonly HookDeletePolicy[] = [],
  refusal?: string,
): Draft {
  const task: Draft['task'] = {
    id: `${phase}/${type}/${key}`,
    phase,
    wave,
    type,
    key,
    object,
    deletePolicies,
  };
  if (refusal) task.refusal = refusal;
  return { task, options };
}

/**
 * Plans a sync: which objects to apply, which hooks to run, which objects to prune, in which
 * order. Pure: the same input gives the same plan, so a restarted controller that plans again
 * finds the same task ids in the state it persisted.
 */
export function planSync(input: SyncInput): PlanResult {
  const keyOf = input.keyOf ?? defaultKeyOf;
  const invalid = checkDesired(input.desired);
  if (invalid) return { ok: false, error: invalid };

  const app = input.options ?? {};
  const selected = input.selected ? new Set(input.selected) : undefined;
  const runHooks = !input.skipHooks && selected === undefined;
  const liveByKey = new Map(input.live.map((live) => [live.key, live]));
  const prevalidated = new Set(input.prevalidated ?? []);
  const drafts: Draft[] = [];
  const skipped: SkippedResource[] = [];

  for (const resource of input.desired) {
    if (isSkipped(resource) || (selected && !selected.has(resource.key))) continue;
    const options = mergeSyncOptions(app, resource.syncOptions);
    if (isHook(resource)) {
      if (!runHooks) continue;
      for (const phase of runPhasesOf(resource)) {
        drafts.push(...hookDrafts(resource, phase, options, input, keyOf));
      }
      continue;
    }
    const live = liveByKey.get(resource.key);
    if (options.applyOutOfSyncOnly && live && !live.outOfSync) {
      skipped.push({ key: resource.key, reason: 'InSync', message: 'in sync (ApplyOutOfSyncOnly)' });
      continue;
    }
    const refusal = applyRefusal(input, resource, options);
    const object =
      options.respectIgnoreDifferences && live && input.ignoreDifferences?.length
        ? keepIgnoredLiveValues(resource.object, live.object, input.ignoreDifferences)
        : resource.object;
    const applied = draft('Sync', 'apply', resource.key, object, resource.wave ?? 0, options, [], refusal);
    if (prevalidated.has(resource.key) && sentAsCompared(object, resource.object, options)) {
      applied.task.prevalidated = true;
    }
    drafts.push(applied);
  }

  const kept = new Set([...input.desired.map((d) => d.key), ...drafts.map((d) => d.task.key)]);
  const prunable = input.live.filter(
    (live) => !live.isHook && !kept.has(live.key) && (!selected || selected.has(live.key)),
  );
  const prunes: Draft[] = [];
  for (const live of prunable) {
    const options = mergeSyncOptions(app, live.syncOptions);
    const sharers = input.sharedWith?.[live.key];
    if (sharers?.length) {
      const message = `kept: application ${sharers.join(', ')} renders it too`;
      skipped.push({ key: live.key, reason: 'SharedResource', message });
    } else if (live.syncOptions?.prune === false) {
      skipped.push({ key: live.key, reason: 'PruneDisabled', message: 'ignored (Prune=false)' });
    } else if (!input.prune) {
      skipped.push({ key: live.key, reason: 'RequiresPruning', message: 'ignored (requires pruning)' });
    } else {
      prunes.push(draft('Sync', 'prune', live.key, live.object, live.wave ?? 0, options));
    }
  }
  placePruneLast(prunes, drafts);
  drafts.push(...prunes);

  const rendered = input.desired.filter((d) => !isHook(d) || isSkipped(d)).length;
  if (rendered === 0 && prunes.length > 0 && !input.allowEmpty) {
    const keys = prunes.map((p) => p.task.key);
    const message = `refusing to prune all ${keys.length} resources: the render is empty (allow with allowEmpty)`;
    return { ok: false, error: new SyncPlanError('EmptyRender', message, keys) };
  }

  const namespaceDraft = namespaceCreation(input, drafts, app, keyOf);
  if (namespaceDraft) drafts.push(namespaceDraft);

  const dryRun = input.dryRun ?? false;
  const skipsDryRun = createdByPlan(drafts, liveByKey, dryRun);
  const tasks = drafts.map(({ task, options }) => ({
    ...task,
    options: taskOptionsOf(options, skipsDryRun(task)),
  }));
  tasks.sort(compareTasks);
  skipped.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { ok: true, plan: { operationId: input.operationId, dryRun, tasks, skipped } };
}

function hookDrafts(
  resource: DesiredResource,
  phase: SyncPhase,
  options: SyncOptionSet,
  input: SyncInput,
  keyOf: (obj: KubeObject) => string,
): Draft[] {
  const wave = resource.wave ?? 0;
  const policies: readonly HookDeletePolicy[] = resource.deletePolicies?.length
    ? resource.deletePolicies
    : ['BeforeHookCreation'];
  const generateName = resource.object.metadata.generateName ?? '';
  const named = Boolean(resource.object.metadata.name);
  const object = named
    ? resource.object
    : withName(resource.object, generatedHookName(generateName, input.operationId, phase, resource.key));
  const key = named ? resource.key : keyOf(object);
  const deletesFirst = policies.includes('BeforeHookCreation');
  // A named hook may meet an object already there: its own previous run (deleted first, or
  // adopted when the policy keeps it) or someone else's object, which it must leave alone.
  const refusal = named ? hookRefusal(input, key, object, deletesFirst) : undefined;
  const drafts = [
    draft(phase, 'hook', key, object, wave, options, policies, deletesFirst ? undefined : refusal),
  ];
  if (!deletesFirst) return drafts;
  if (named) {
    // Deleting a hook that does not exist is a no-op for the controller (NotFound is success);
    // planning the task unconditionally keeps the plan the same before and after the creation.
    drafts.push(draft(phase, 'delete-hook-before-creation', key, object, wave, options, [], refusal));
    return drafts;
  }
  // Each run of a generated hook has its own name, so "the previous run" is every live hook
  // made from the same generateName, except those this operation creates (in any phase: which
  // of them exist depends on when the plan is made, and the plan must not depend on that).
  const ownNames = new Set(
    runPhasesOf(resource).map((p) => generatedHookName(generateName, input.operationId, p, resource.key)),
  );
  for (const live of input.live) {
    if (
      live.isHook &&
      !ownNames.has(live.object.metadata.name ?? '') &&
      isPreviousRun(live, object, generateName)
    ) {
      drafts.push(draft(phase, 'delete-hook-before-creation', live.key, live.object, wave, options));
    }
  }
  return drafts;
}

function isPreviousRun(live: LiveResource, hook: KubeObject, generateName: string): boolean {
  const meta = live.object.metadata;
  return (
    meta.generateName === generateName &&
    live.object.kind === hook.kind &&
    groupOf(live.object.apiVersion) === groupOf(hook.apiVersion) &&
    (meta.namespace ?? '') === (hook.metadata.namespace ?? '')
  );
}

function withName(object: KubeObject, name: string): KubeObject {
  return { ...object, metadata: { ...object.metadata, name } };
}

/**
 * Whether the apply sends what the comparison dry-ran: the same object (not one that keeps live
 * values of ignored fields), by the same call (a server-side apply with strict validation, not a
 * replace, which the comparison does not make).
 */
function sentAsCompared(sent: KubeObject, compared: KubeObject, options: SyncOptionSet): boolean {
  if (options.replace || options.validate === false) return false;
  return sent === compared || deepEqual(sent, compared);
}

/** PruneLast objects are deleted in an extra wave after every other wave of the Sync phase. */
function placePruneLast(prunes: Draft[], others: Draft[]): void {
  const syncWaves = [...others, ...prunes].filter((d) => d.task.phase === 'Sync').map((d) => d.task.wave);
  const lastWave = Math.max(0, ...syncWaves) + 1;
  for (const prune of prunes) {
    if (prune.options.pruneLast) prune.task = { ...prune.task, wave: lastWave };
  }
}

/** With CreateNamespace=true, a task that creates the destination namespace first. */
function namespaceCreation(
  input: SyncInput,
  drafts: Draft[],
  app: SyncOptionSet,
  keyOf: (obj: KubeObject) => string,
): Draft | undefined {
  const destination = input.destinationNamespace;
  if (!app.createNamespace || !destination || destination.exists) return undefined;
  const declared = input.desired.some(
    (d) =>
      d.object.kind === 'Namespace' &&
      groupOf(d.object.apiVersion) === '' &&
      d.object.metadata.name === destination.name,
  );
  if (declared) return undefined;
  const object: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: destination.name } };
  const firstWave = Math.min(0, ...drafts.filter((d) => d.task.phase === 'PreSync').map((d) => d.task.wave));
  const result = draft('PreSync', 'apply', keyOf(object), object, firstWave, app);
  result.task = { ...result.task, createsNamespace: true };
  return result;
}

/**
 * A dry run of an object whose kind (a CRD of this sync) or namespace does not exist yet fails
 * with NotFound although the real sync would work; such objects skip the dry run. Outside a dry
 * run the destination namespace is created before anything is dry-run, so it does not count.
 */
function createdByPlan(
  drafts: Draft[],
  liveByKey: Map<string, LiveResource>,
  dryRun: boolean,
): (task: Omit<SyncTask, 'options'>) => boolean {
  const kinds = new Set<string>();
  const namespaces = new Set<string>();
  for (const { task } of drafts) {
    if (task.type !== 'apply' || liveByKey.has(task.key)) continue;
    const { object } = task;
    if (object.kind === 'CustomResourceDefinition') {
      const spec = object.spec as { group?: unknown; names?: { kind?: unknown } } | undefined;
      if (typeof spec?.group === 'string' && typeof spec.names?.kind === 'string') {
        kinds.add(`${spec.group}/${spec.names.kind}`);
      }
    } else if (object.kind === 'Namespace' && groupOf(object.apiVersion) === '') {
      if (!task.createsNamespace || dryRun) namespaces.add(object.metadata.name ?? '');
    }
  }
  return (task) =>
    kinds.has(`${groupOf(task.object.apiVersion)}/${task.object.kind}`) ||
    namespaces.has(task.object.metadata.namespace ?? '');
}

function checkDesired(desired: readonly DesiredResource[]): SyncPlanError | undefined {
  const seen = new Set<string>();
  const duplicates: string[] = [];
  for (const resource of desired) {
    const { name, generateName } = resource.object.metadata;
    if (!name && !(generateName && isHook(resource))) {
      const why = generateName ? 'generateName is only supported on hooks' : 'it has no metadata.name';
      return new SyncPlanError('InvalidResource', `cannot sync ${resource.key}: ${why}`, [resource.key]);
    }
    // Generated hooks share the key of their kind and namespace; their generateName tells them apart.
    const identity = name ? resource.key : `${resource.key}#${generateName}`;
    if (seen.has(identity)) duplicates.push(resource.key);
    seen.add(identity);
  }
  if (duplicates.length === 0) return undefined;
  return new SyncPlanError(
    'DuplicateResource',
    `resources declared more than once: ${duplicates.join(', ')}`,
    duplicates,
  );
}

// For tests only: compact resource specs and a fake cluster that runs a plan to its end.
import type { ActionResult, HealthStatus, HookCompletion, LiveObservation } from './observations.ts';
import { parseSyncOptions } from './options.ts';
import { initialState, type SyncOperationState } from './state.ts';
import { nextStep, type SyncStep } from './step.ts';
import type {
  DesiredResource,
  HookDeletePolicy,
  HookType,
  KubeObject,
  LiveResource,
  SyncPlan,
} from './types.ts';

/** A resource as test tables write it: `{kind: Deployment, name: web, wave: 1}`. */
export interface Spec {
  kind: string;
  name?: string;
  generateName?: string;
  namespace?: string | null;
  apiVersion?: string;
  hook?: HookType[];
  wave?: number;
  deletePolicies?: HookDeletePolicy[];
  syncOptions?: string[];
  outOfSync?: boolean;
  isHook?: boolean;
  spec?: Record<string, unknown>;
}

const apiVersions: Record<string, string> = {
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
  CustomResourceDefinition: 'apiextensions.k8s.io/v1',
  Ingress: 'networking.k8s.io/v1',
  ClusterRole: 'rbac.authorization.k8s.io/v1',
  Role: 'rbac.authorization.k8s.io/v1',
  RoleBinding: 'rbac.authorization.k8s.io/v1',
};
const clusterScoped = new Set(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'PersistentVolume']);

export function objectOf(spec: Spec): KubeObject {
  const apiVersion = spec.apiVersion ?? apiVersions[spec.kind] ?? 'v1';
  const metadata: KubeObject['metadata'] = {};
  if (spec.name) metadata.name = spec.name;
  if (spec.generateName) metadata.generateName = spec.generateName;
  const namespace =
    spec.namespace === undefined ? (clusterScoped.has(spec.kind) ? null : 'app') : spec.namespace;
  if (namespace) metadata.namespace = namespace;
  const object: KubeObject = { apiVersion, kind: spec.kind, metadata };
  if (spec.spec) object.spec = spec.spec;
  return object;
}

export function keyOfSpec(spec: Spec): string {
  const object = objectOf(spec);
  const slash = object.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : object.apiVersion.slice(0, slash);
  return `${group}/${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
}

export function desiredOf(spec: Spec): DesiredResource {
  const resource: DesiredResource = { key: keyOfSpec(spec), object: objectOf(spec) };
  if (spec.hook) resource.hookTypes = spec.hook;
  if (spec.wave !== undefined) resource.wave = spec.wave;
  if (spec.deletePolicies) resource.deletePolicies = spec.deletePolicies;
  if (spec.syncOptions) resource.syncOptions = parseSyncOptions(spec.syncOptions).options;
  return resource;
}

export function liveOf(spec: Spec): LiveResource {
  const resource: LiveResource = {
    key: keyOfSpec(spec),
    object: objectOf(spec),
    outOfSync: spec.outOfSync ?? true,
  };
  if (spec.wave !== undefined) resource.wave = spec.wave;
  if (spec.syncOptions) resource.syncOptions = parseSyncOptions(spec.syncOptions).options;
  if (spec.isHook) resource.isHook = true;
  return resource;
}

/** How the fake cluster behaves, per key. */
export interface Script {
  /** Health an applied object reports; Healthy by default. */
  health?: Record<string, HealthStatus>;
  /** How a created hook ends; Succeeded by default. */
  hooks?: Record<string, HookCompletion>;
  failRun?: string[];
  failValidate?: string[];
  /** Deleted objects that stay (terminating) until the test removes them. */
  lingering?: string[];
}

export class FakeCluster {
  readonly objects = new Map<string, LiveObservation>();
  readonly log: string[] = [];
  private uids = 0;
  readonly script: Script;

  constructor(script: Script = {}, initial: readonly string[] = []) {
    this.script = script;
    for (const key of initial) this.objects.set(key, { health: 'Healthy', uid: this.uid() });
  }

  private uid(): string {
    this.uids += 1;
    return `uid-${this.uids}`;
  }

  /** Runs the actions as the controller would; returns their results. */
  execute(step: SyncStep): ActionResult[] {
    return step.actions.map((action) => {
      const entry = `${action.purpose === 'run' ? '' : `${action.purpose} `}${action.verb}${action.dryRun && action.purpose !== 'validate' ? ' (dry run)' : ''} ${action.key}`;
      this.log.push(entry);
      const failing = action.purpose === 'validate' ? this.script.failValidate : this.script.failRun;
      if (failing?.includes(action.key))
        return { actionId: action.id, ok: false, message: 'rejected by the API server' };
      if (action.dryRun) return { actionId: action.id, ok: true };
      if (action.verb === 'delete') {
        if (!this.script.lingering?.includes(action.key)) this.objects.delete(action.key);
        return { actionId: action.id, ok: true };
      }
      const existing = this.objects.get(action.key);
      if (action.verb === 'create' && existing) return { actionId: action.id, ok: true, uid: existing.uid };
      const uid = existing?.uid ?? this.uid();
      const generation = (existing?.generation ?? 0) + 1;
      const observed: LiveObservation =
        action.verb === 'create'
          ? { health: 'Progressing', hook: this.script.hooks?.[action.key] ?? 'Succeeded', uid, generation }
          : { health: this.script.health?.[action.key] ?? 'Healthy', uid, generation };
      this.objects.set(action.key, observed);
      return { actionId: action.id, ok: true, uid, generation };
    });
  }

  live(): Record<string, LiveObservation> {
    return Object.fromEntries(this.objects);
  }
}

/** Drives nextStep against the fake cluster until the operation is done or stops moving. */
export function runToEnd(
  plan: SyncPlan,
  cluster: FakeCluster,
  state: SyncOperationState = initialState(plan),
  maxSteps = 50,
): { state: SyncOperationState; steps: number; waitingFor: string[] } {
  let results: ActionResult[] = [];
  let current = state;
  for (let steps = 1; steps <= maxSteps; steps++) {
    const step = nextStep(plan, current, { live: cluster.live(), results });
    // Persisting and reading back is what a controller does between steps.
    const persisted = JSON.stringify(step.state);
    const unchanged = results.length === 0 && persisted === JSON.stringify(current);
    current = JSON.parse(persisted);
    if (step.done) return { state: current, steps, waitingFor: [] };
    // Waiting with nothing changing in the fake cluster: it would wait forever.
    if (step.actions.length === 0 && unchanged) return { state: current, steps, waitingFor: step.waitingFor };
    results = cluster.execute(step);
  }
  throw new Error(`no end after ${maxSteps} steps`);
}

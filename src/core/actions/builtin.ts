// The actions Tiphys offers without configuration: restart of the workloads that own a pod
// template (as `kubectl rollout restart` does it: a timestamp annotation on the template, so the
// controller rolls the pods), scale of the replicated ones, suspend and resume of CronJobs.

import { groupKindOf } from '../manifest/key.ts';
import type { KubeObject } from '../manifest/object.ts';
import { ActionInputError, type BuiltinAction } from './types.ts';

/** The annotation `kubectl rollout restart` writes; the same one, so either tool's restart shows. */
export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

const MAX_REPLICAS = 1_000_000;

type Fields = Record<string, unknown>;
const isFields = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The object's field map at the path, created (on the copy) when missing. */
function fieldsOf(root: Fields, path: string[]): Fields {
  let current = root;
  for (const step of path) {
    const next = current[step];
    if (!isFields(next)) current[step] = {};
    current = current[step] as Fields;
  }
  return current;
}

const copy = (obj: KubeObject): KubeObject => structuredClone(obj);

const restart: BuiltinAction = {
  name: 'restart',
  run: (obj, _params, now) => {
    const changed = copy(obj);
    const annotations = fieldsOf(changed, ['spec', 'template', 'metadata', 'annotations']);
    annotations[RESTARTED_AT] = now;
    return changed;
  },
};

const scale: BuiltinAction = {
  name: 'scale',
  params: [{ name: 'replicas', description: `a whole number from 0 to ${MAX_REPLICAS}` }],
  run: (obj, params) => {
    const text = params.get('replicas');
    if (text === undefined) throw new ActionInputError('scale needs the parameter replicas');
    if (!/^\d{1,7}$/.test(text.trim()) || Number(text) > MAX_REPLICAS) {
      throw new ActionInputError(
        `scale: replicas must be a whole number from 0 to ${MAX_REPLICAS}, not "${text.slice(0, 40)}"`,
      );
    }
    const changed = copy(obj);
    fieldsOf(changed, ['spec']).replicas = Number(text);
    return changed;
  },
};

const suspended = (obj: KubeObject) => (obj as { spec?: { suspend?: unknown } }).spec?.suspend === true;

const suspendCron: BuiltinAction = {
  name: 'suspend',
  disabled: suspended,
  run: (obj) => {
    const changed = copy(obj);
    fieldsOf(changed, ['spec']).suspend = true;
    return changed;
  },
};

const resumeCron: BuiltinAction = {
  name: 'resume',
  disabled: (obj) => !suspended(obj),
  run: (obj) => {
    const changed = copy(obj);
    fieldsOf(changed, ['spec']).suspend = false;
    return changed;
  },
};

const BUILTIN: Readonly<Record<string, readonly BuiltinAction[]>> = {
  'apps/Deployment': [restart, scale],
  'apps/StatefulSet': [restart, scale],
  'apps/DaemonSet': [restart],
  'batch/CronJob': [suspendCron, resumeCron],
};

/** The built-in actions of the object's kind (none for other kinds). */
export function builtinActionsFor(obj: KubeObject): readonly BuiltinAction[] {
  return BUILTIN[groupKindOf(obj)] ?? [];
}

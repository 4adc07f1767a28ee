// Resource actions (docs/actions.md): what a person may do to one live object besides syncing it,
// such as restarting a Deployment or suspending a CronJob. Built-in ones are TypeScript
// (builtin.ts); custom ones are Lua scripts with Argo CD's contract (customizations.ts).
import type { KubeObject } from '../manifest/object.ts';

/** A parameter an action takes (`scale` takes `replicas`). */
export interface ActionParameterSpec {
  name: string;
  /** What to type, for the CLI's help and the UI's prompt. */
  description?: string;
}

/** An action as listed for one object. */
export interface ResourceAction {
  name: string;
  /** True when the action makes no sense in the object's state (resume of a running CronJob). */
  disabled: boolean;
  displayName?: string;
  iconClass?: string;
  params?: ActionParameterSpec[];
  source: 'builtin' | 'custom';
}

/** A parameter as a caller gives it (Argo CD's `resourceActionParameters`). */
export interface ActionParameter {
  name: string;
  value: string;
}

/** A request that names no action of the object, or gives bad parameters: nothing is changed. */
export class ActionInputError extends Error {
  override name = 'ActionInputError';
}

/** A custom action whose script failed or returned something Tiphys will not apply. */
export class ActionScriptError extends Error {
  override name = 'ActionScriptError';
}

/** What a built-in action is: when it is offered, and what it makes of the object (pure). */
export interface BuiltinAction {
  name: string;
  params?: ActionParameterSpec[];
  disabled?: (obj: KubeObject) => boolean;
  /** The changed object; `now` is the time of the request (RFC 3339). */
  run: (obj: KubeObject, params: ReadonlyMap<string, string>, now: string) => KubeObject;
}

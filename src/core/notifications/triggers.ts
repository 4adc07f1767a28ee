// Notification triggers (pure): a condition on the Application, written in CEL, and an optional
// `oncePer` expression naming the event (a revision, an operation's start). A trigger fires when
// its condition holds for an event not yet notified; the event is remembered in the app's status
// (`status.notified`), so a reconcile of an unchanged app notifies nothing, however often it runs.
import { Environment } from '@marcbachmann/cel-js';

export interface Trigger {
  name: string;
  /** CEL over `app` (the Application as it will be stored) and `firstReconcile` (bool). */
  when: string;
  /** CEL naming the event: the trigger fires once per distinct value while the condition holds. */
  oncePer?: string;
  /** Templates to send (names); the default is the trigger's own template. */
  send: string[];
}

export class NotificationConfigError extends Error {
  override name = 'NotificationConfigError';
}

type Program = (context: Record<string, unknown>) => unknown;

const environment = new Environment({
  unlistedVariablesAreDyn: true,
  enableOptionalTypes: true,
  limits: { maxAstNodes: 500, maxDepth: 24, maxListElements: 50, maxMapEntries: 50, maxCallArguments: 8 },
});
const MAX_EXPRESSION = 2048;

const ops = 'app.status.operationState';
/** The triggers every installation has (Argo CD's names), each sending the template of its name. */
export const BUILTIN_TRIGGERS: readonly Trigger[] = [
  { name: 'on-created', when: 'firstReconcile', oncePer: 'app.metadata.uid', send: ['app-created'] },
  {
    name: 'on-deleted',
    when: 'has(app.metadata.deletionTimestamp)',
    oncePer: 'app.metadata.uid',
    send: ['app-deleted'],
  },
  {
    name: 'on-deployed',
    when: `${ops}.phase == 'Succeeded' && app.status.health.status == 'Healthy'`,
    oncePer: `${ops}.syncResult.revision`,
    send: ['app-deployed'],
  },
  {
    name: 'on-health-degraded',
    when: "app.status.health.status == 'Degraded'",
    send: ['app-health-degraded'],
  },
  {
    name: 'on-sync-failed',
    when: `${ops}.phase in ['Error', 'Failed']`,
    oncePer: `${ops}.startedAt`,
    send: ['app-sync-failed'],
  },
  {
    name: 'on-sync-running',
    when: `${ops}.phase == 'Running'`,
    oncePer: `${ops}.startedAt`,
    send: ['app-sync-running'],
  },
  {
    name: 'on-sync-status-unknown',
    when: "app.status.sync.status == 'Unknown'",
    send: ['app-sync-status-unknown'],
  },
  {
    name: 'on-sync-succeeded',
    when: `${ops}.phase == 'Succeeded'`,
    oncePer: `${ops}.startedAt`,
    send: ['app-sync-succeeded'],
  },
];

export interface CompiledTrigger {
  trigger: Trigger;
  when: Program;
  oncePer?: Program;
}

export function compileTrigger(trigger: Trigger): CompiledTrigger {
  const compile = (field: string, source: string): Program => {
    if (source.length > MAX_EXPRESSION)
      throw new NotificationConfigError(
        `trigger ${trigger.name}: ${field} is longer than ${MAX_EXPRESSION} characters`,
      );
    try {
      return environment.parse(source) as Program;
    } catch (error) {
      const cause = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw new NotificationConfigError(`trigger ${trigger.name}: ${field}: ${cause}`);
    }
  };
  return {
    trigger,
    when: compile('when', trigger.when),
    ...(trigger.oncePer ? { oncePer: compile('oncePer', trigger.oncePer) } : {}),
  };
}

export interface TriggerContext {
  app?: unknown;
  /** A Cluster's notification view, for the on-cluster-… triggers. */
  cluster?: unknown;
  firstReconcile: boolean;
}

export interface Fired {
  trigger: Trigger;
  /** The event: the oncePer value, or `true` for a trigger without one. */
  event: string;
}

/**
 * Which triggers fire now, and the `notified` record to store with the status. A field the app
 * does not have yet makes a condition false, not an error; an expression that fails otherwise
 * is reported in `errors` and changes nothing.
 */
export function evaluateTriggers(
  triggers: readonly CompiledTrigger[],
  context: TriggerContext,
  notified: Readonly<Record<string, string>>,
): { fired: Fired[]; notified: Record<string, string>; errors: string[] } {
  const next: Record<string, string> = { ...notified };
  const fired: Fired[] = [];
  const errors: string[] = [];
  const vars = {
    ...(context.app !== undefined ? { app: context.app } : {}),
    ...(context.cluster !== undefined ? { cluster: context.cluster } : {}),
    firstReconcile: context.firstReconcile,
  };
  for (const compiled of triggers) {
    const { name } = compiled.trigger;
    let holds: boolean;
    let event = 'true';
    try {
      holds = run(compiled.when, vars) === true;
      if (holds && compiled.oncePer) event = String(run(compiled.oncePer, vars) ?? '');
    } catch (error) {
      errors.push(`trigger ${name}: ${error instanceof Error ? error.message.split('\n')[0] : error}`);
      continue;
    }
    if (!holds) {
      // Without oncePer the trigger re-arms when its condition stops holding; with oncePer the
      // event stays remembered, so the same revision or operation never notifies twice.
      if (!compiled.oncePer) delete next[name];
      continue;
    }
    if (next[name] === event) continue;
    next[name] = event;
    fired.push({ trigger: compiled.trigger, event });
  }
  return { fired, notified: next, errors };
}

const isMissing = (message: string) => /no such key|unknown variable/i.test(message);

function run(program: Program, vars: Record<string, unknown>): unknown {
  try {
    return program(vars);
  } catch (error) {
    // An absent field (no operation yet, no health yet) means the condition does not hold.
    if (error instanceof Error && isMissing(error.message)) return undefined;
    throw error;
  }
}

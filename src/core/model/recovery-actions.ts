// The recovery actions an administrator configures for the controller (`--recovery-actions
// FILE`): what each named action runs. A Cluster's spec.recovery.action only names one, so the
// power to run a command, create a Job or call a webhook stays with whoever deploys the
// controller, never with whoever may write a Cluster.
import { type Static, Type } from 'typebox';
import { parse } from 'yaml';
import { Closed, FreeForm, StringMap } from './common.ts';
import { schemaErrors } from './validate.ts';

const Retry = {
  timeoutSeconds: Type.Optional(
    Type.Integer({ minimum: 1, description: 'One attempt is stopped after this. Default 900.' }),
  ),
  maxAttempts: Type.Optional(Type.Integer({ minimum: 1, description: 'Default 3.' })),
  backoffSeconds: Type.Optional(
    Type.Integer({ minimum: 0, description: 'Wait before the 2nd attempt, doubled each time. Default 30.' }),
  ),
};

export const RecoveryAction = Closed({
  ...Retry,
  command: Type.Optional(
    Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      description:
        'Program and arguments (no shell). Environment: TIPHYS_CLUSTER, TIPHYS_CLUSTER_SERVER and `env`. Prints the credentials JSON on stdout.',
    }),
  ),
  env: Type.Optional(StringMap()),
  job: Type.Optional(
    Closed({
      template: FreeForm({ description: 'A batch/v1 Job created in the control namespace.' }),
      credentialsSecret: Type.String({
        minLength: 1,
        description: 'The Secret the Job writes, with a `credentials` key holding the credentials JSON.',
      }),
    }),
  ),
  webhook: Type.Optional(
    Closed({
      url: Type.String({ pattern: '^https?://' }),
      headers: Type.Optional(StringMap({ description: 'Sent with the POST (an authorization, for one).' })),
    }),
  ),
});
export type RecoveryAction = Static<typeof RecoveryAction>;

export const RecoveryActionsFile = Closed({ actions: Type.Record(Type.String(), RecoveryAction) });

export interface ResolvedRecoveryAction extends RecoveryAction {
  name: string;
  timeoutMs: number;
  maxAttempts: number;
  backoffMs: number;
}

/** The actions of a file, checked; every problem in one error naming the file. */
export function parseRecoveryActions(text: string, file: string): Map<string, ResolvedRecoveryAction> {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new Error(`${file}: not YAML (${error instanceof Error ? error.message.split('\n')[0] : error})`);
  }
  const problems = schemaErrors(RecoveryActionsFile, doc);
  const actions = (doc as Static<typeof RecoveryActionsFile> | undefined)?.actions ?? {};
  for (const [name, action] of Object.entries(actions)) {
    const kinds = ['command', 'job', 'webhook'].filter((k) => (action as Record<string, unknown>)[k]);
    if (kinds.length !== 1) problems.push(`actions.${name}: give exactly one of command, job, webhook`);
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) problems.push(`actions.${name}: not a valid name`);
  }
  if (problems.length > 0) throw new Error(`${file}: ${problems.join('; ')}`);
  return new Map(
    Object.entries(actions).map(([name, action]) => [
      name,
      {
        ...action,
        name,
        timeoutMs: (action.timeoutSeconds ?? 900) * 1000,
        maxAttempts: action.maxAttempts ?? 3,
        backoffMs: (action.backoffSeconds ?? 30) * 1000,
      },
    ]),
  );
}

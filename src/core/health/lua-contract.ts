import { type HealthResult, isHealthStatus, unknown } from './status.ts';

/**
 * What a Lua health script gave back, as the VM reads it (src/adapters/health/lua-*.ts): the
 * type of the returned value and, for a table, its raw `status` and `message` fields.
 */
export type LuaHealthOutcome =
  | { ok: true; returned: string; status?: unknown; message?: unknown }
  | { ok: false; error: string };

/**
 * Argo CD's contract for health scripts: a table `{status = …, message = …}` with one of the
 * six health statuses; an unknown status is Unknown ("invalid health status"); nil or a
 * table without a status means the script has no opinion (no health, like a kind without a
 * check); anything else, or an error, is Unknown with the reason.
 */
export function healthFromLua(outcome: LuaHealthOutcome): HealthResult | null {
  if (!outcome.ok) return unknown(`Lua health script failed: ${outcome.error}`);
  if (outcome.returned === 'nil') return null;
  if (outcome.returned !== 'table') {
    return unknown(
      `Lua health script returned a ${outcome.returned}, expected a table with status and message`,
    );
  }
  const { status, message } = outcome;
  if (status === undefined || status === null) return null;
  if (!isHealthStatus(status)) return unknown('Lua health script returned an invalid health status');
  if (
    message !== undefined &&
    message !== null &&
    typeof message !== 'string' &&
    typeof message !== 'number'
  ) {
    return unknown('Lua health script returned a message that is not a string');
  }
  return { status, message: message === undefined || message === null ? '' : String(message) };
}

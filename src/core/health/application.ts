import type { KubeObject } from '../manifest/object.ts';
import { stringAt } from './fields.ts';
import { type HealthResult, isHealthStatus, progressing, unknown } from './status.ts';

/**
 * A Tiphys Application managed by another one (app of apps) is as healthy as its controller
 * says it is. Until the controller has assessed it, it is Progressing, not Unknown: Unknown is
 * the worst status and would mark every parent app red right after each new child appears.
 */
export function applicationHealth(obj: KubeObject): HealthResult {
  const status = stringAt(obj, 'status', 'health', 'status');
  const message = stringAt(obj, 'status', 'health', 'message') ?? '';
  if (status === undefined) return progressing("Waiting for the application's health to be assessed");
  if (!isHealthStatus(status))
    return unknown(`Application reports an unrecognised health status "${status}"`);
  return { status, message };
}

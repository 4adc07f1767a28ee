// ApplicationSet operations people perform (tiphys appset, the API): read them, and ask the
// controller to resume or abort a rollout. The request is an annotation naming a fresh id; the
// controller acts on each id once and records it (status.rollout.lastAction).
import { randomBytes } from 'node:crypto';
import { apiStatus, tiphysPath } from '../../adapters/control-plane/paths.ts';
import { ROLLOUT_ACTION_ANNOTATION } from '../../core/appset/rollout.ts';
import type { ApplicationSet } from '../../core/model/application-set.ts';
import type { ControlPlane } from '../control-plane.ts';
import { InvalidRequestError, NotFoundError } from '../errors.ts';

const PLURAL = 'applicationsets';

export async function getApplicationSet(cp: ControlPlane, name: string): Promise<ApplicationSet> {
  try {
    return await cp.rest.request<ApplicationSet>('GET', tiphysPath(cp.namespace, PLURAL, name));
  } catch (error) {
    if (apiStatus(error) === 404)
      throw new NotFoundError(`ApplicationSet "${name}" not found in namespace ${cp.namespace}`);
    throw error;
  }
}

export async function listApplicationSets(cp: ControlPlane): Promise<ApplicationSet[]> {
  const list = await cp.rest.request<{ items: ApplicationSet[] }>('GET', tiphysPath(cp.namespace, PLURAL));
  return list.items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

export type RolloutRequest = 'resume' | 'abort';

/** Asks for a resume or an abort of the set's rollout; refused when the set has no rollout strategy. */
export async function requestRolloutAction(
  cp: ControlPlane,
  name: string,
  action: RolloutRequest,
): Promise<string> {
  const set = await getApplicationSet(cp, name);
  if (set.spec.strategy?.type !== 'RollingSync') {
    throw new InvalidRequestError(
      `ApplicationSet "${name}" has no RollingSync strategy: there is no rollout to ${action}`,
    );
  }
  const id = `${action}@${new Date().toISOString()}-${randomBytes(3).toString('hex')}`;
  await cp.rest.request('PATCH', tiphysPath(cp.namespace, PLURAL, name), {
    body: { metadata: { annotations: { [ROLLOUT_ACTION_ANNOTATION]: id } } },
    contentType: 'application/merge-patch+json',
  });
  return id;
}

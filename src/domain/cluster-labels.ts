// Cluster labels (region, environment, provider): what ApplicationSet cluster generators and
// rollout steps select on. Changed by `tiphys cluster label` and PATCH /api/v1/clusters/{name}/labels.
import { apiStatus, tiphysPath } from '../adapters/control-plane/paths.ts';
import type { Cluster } from '../core/model/cluster.ts';
import { IN_CLUSTER } from '../core/model/common.ts';
import type { ControlPlane } from './control-plane.ts';
import { InvalidRequestError, NotFoundError } from './errors.ts';

const KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Problems of a label change (a value null removes the key); empty when it is valid. */
export function labelChangeProblems(changes: Record<string, string | null>): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(changes)) {
    if (!KEY.test(key) || key.length > 316)
      problems.push(`label key ${JSON.stringify(key)} is not a valid label key`);
    if (value !== null && !VALUE.test(value)) {
      problems.push(
        `label ${key}: value ${JSON.stringify(value)} is not a valid label value (63 characters, letters, digits, - _ .)`,
      );
    }
  }
  if (Object.keys(changes).length === 0) problems.push('no label to set or remove');
  return problems;
}

/** Sets (string) and removes (null) labels of a registered Cluster; returns it as stored. */
export async function changeClusterLabels(
  cp: ControlPlane,
  name: string,
  changes: Record<string, string | null>,
): Promise<Cluster> {
  if (name === IN_CLUSTER) {
    throw new InvalidRequestError(
      `${IN_CLUSTER} has no Cluster resource to label; register the control cluster under a name to label it`,
    );
  }
  const problems = labelChangeProblems(changes);
  if (problems.length > 0) throw new InvalidRequestError(problems.join('; '));
  try {
    return await cp.rest.request<Cluster>('PATCH', tiphysPath(cp.namespace, 'clusters', name), {
      body: { metadata: { labels: changes } },
      contentType: 'application/merge-patch+json',
    });
  } catch (error) {
    if (apiStatus(error) === 404)
      throw new NotFoundError(`cluster "${name}" not found in namespace ${cp.namespace}`);
    throw error;
  }
}

/** `key=value` sets, `key-` removes (kubectl's form). */
export function parseLabelArguments(args: string[]): Record<string, string | null> {
  const changes: Record<string, string | null> = {};
  for (const arg of args) {
    if (arg.endsWith('-') && !arg.includes('=')) changes[arg.slice(0, -1)] = null;
    else {
      const at = arg.indexOf('=');
      if (at <= 0)
        throw new InvalidRequestError(
          `${JSON.stringify(arg)}: write key=value to set a label, key- to remove it`,
        );
      changes[arg.slice(0, at)] = arg.slice(at + 1);
    }
  }
  return changes;
}

// What a recovery action hands back: the new cluster's server and credentials, as JSON (pure).
// The text is secret: no error message quotes any of it, only which field is wrong.
import { ClusterSecretKey } from '../model/cluster.ts';
import { clusterKubeconfigProblems, kubeconfigServer } from '../model/cluster-kubeconfig.ts';

export interface NewClusterCredentials {
  server: string;
  /** The credentials Secret's data (ClusterSecretKey fields). */
  data: Record<string, string>;
}

export class CredentialsOutputError extends Error {
  override name = 'CredentialsOutputError';
}

/**
 * `{"server": "https://…", "bearerToken": "…", "caData": "…"}` or `{"kubeconfig": "…"}` (the
 * server is then the one of its current context). `source` names where it came from.
 */
export function parseCredentialsOutput(text: string, source: string): NewClusterCredentials {
  let value: unknown;
  try {
    value = JSON.parse(text.trim());
  } catch {
    throw new CredentialsOutputError(
      `${source}: its output is not JSON (expected {"server","bearerToken","caData"} or {"kubeconfig"}); ${text.trim().length} characters not shown`,
    );
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new CredentialsOutputError(`${source}: its output is not a JSON object`);
  }
  const record = value as Record<string, unknown>;
  const known = new Set(['server', ...Object.values(ClusterSecretKey)]);
  const unknown = Object.keys(record).filter((k) => !known.has(k));
  if (unknown.length > 0)
    throw new CredentialsOutputError(`${source}: unknown field(s) ${unknown.join(', ')}`);
  for (const [key, field] of Object.entries(record)) {
    if (key === ClusterSecretKey.insecure ? typeof field !== 'boolean' : typeof field !== 'string') {
      throw new CredentialsOutputError(`${source}: field ${key} has the wrong type`);
    }
  }
  const strings = record as Record<string, string>;
  if (strings.kubeconfig !== undefined) {
    const problems = clusterKubeconfigProblems(strings.kubeconfig);
    if (problems.length > 0) throw new CredentialsOutputError(`${source}: ${problems.join('; ')}`);
    const server = kubeconfigServer(strings.kubeconfig);
    if (strings.server !== undefined && strings.server.replace(/\/$/, '') !== server) {
      throw new CredentialsOutputError(
        `${source}: server is not the server of the kubeconfig's current context`,
      );
    }
    return { server, data: { [ClusterSecretKey.kubeconfig]: strings.kubeconfig } };
  }
  if (!strings.server || !/^https?:\/\//.test(strings.server)) {
    throw new CredentialsOutputError(`${source}: server must be an http(s) URL`);
  }
  if (!strings.bearerToken)
    throw new CredentialsOutputError(`${source}: bearerToken (or kubeconfig) is required`);
  const data: Record<string, string> = { [ClusterSecretKey.bearerToken]: strings.bearerToken };
  if (strings.caData) data[ClusterSecretKey.caData] = strings.caData;
  if ((record.insecure as boolean | undefined) === true) data[ClusterSecretKey.insecure] = 'true';
  return { server: strings.server.replace(/\/$/, ''), data };
}

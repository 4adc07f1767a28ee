// Which kubeconfig a Tiphys process uses. Apart from install.ts (whose typed object API loads the
// client's generated models) so that a controller or server loads only the client's KubeConfig.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';

export class InstallError extends Error {
  override name = 'InstallError';
}

const SA_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * The kubeconfig to use: the given file, else what kubectl would use ($KUBECONFIG, possibly a
 * list, then ~/.kube/config, then the pod's service account). Never the client library's silent
 * fallback to http://localhost:8080.
 */
export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (path) kc.loadFromFile(path);
    else if (process.env.KUBECONFIG || existsSync(join(homedir(), '.kube', 'config'))) kc.loadFromDefault();
    else if (process.env.KUBERNETES_SERVICE_HOST && existsSync(SA_TOKEN)) kc.loadFromCluster();
    else throw new InstallError('no kubeconfig found: set KUBECONFIG or pass --kubeconfig');
  } catch (error) {
    if (error instanceof InstallError) throw error;
    throw new InstallError(
      `cannot load kubeconfig ${path ?? process.env.KUBECONFIG ?? ''}: ${message(error)}`,
      {
        cause: error,
      },
    );
  }
  if (!kc.getCurrentCluster()) throw new InstallError('the kubeconfig has no current context with a cluster');
  return kc;
}

/** The error with its causes (a file that cannot be read, a YAML error), outermost first. */
function message(error: unknown): string {
  const reasons: string[] = [];
  for (let e: unknown = error; e instanceof Error && reasons.length < 4; e = e.cause) reasons.push(e.message);
  return reasons.length > 0 ? reasons.join(': ') : String(error);
}

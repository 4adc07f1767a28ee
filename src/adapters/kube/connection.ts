import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { clusterKubeconfigProblems } from '../../core/model/cluster-kubeconfig.ts';

import { loadKubeConfig } from './kubeconfig.ts';

/**
 * The KubeConfig of the control cluster: `--kubeconfig` when given, else `KUBECONFIG`, else
 * ~/.kube/config, else the in-cluster service account (the usual client-go order).
 */
export function controlKubeConfig(options: { kubeconfig?: string; context?: string } = {}): KubeConfig {
  const kc = loadKubeConfig(options.kubeconfig);
  if (options.context) kc.setCurrentContext(options.context);
  return kc;
}

/** Credentials of a registered cluster, as read from its Secret (values already decoded). */
export interface ClusterCredentials {
  kubeconfig?: string;
  bearerToken?: string;
  caData?: string;
  insecure?: boolean;
}

/** Credentials the controller will not connect with; terminal: the Secret must change. */
export class ClusterCredentialsError extends Error {
  override name = 'ClusterCredentialsError';
  readonly terminal = true;
}

/**
 * A KubeConfig for a registered remote cluster. A kubeconfig that would run a command or read a
 * file on this machine is refused here too, not only at registration: the Secret may have been
 * written by hand.
 */
export function remoteKubeConfig(name: string, server: string, credentials: ClusterCredentials): KubeConfig {
  const kc = new KubeConfig();
  if (credentials.kubeconfig) {
    const problems = clusterKubeconfigProblems(credentials.kubeconfig);
    if (problems.length > 0) {
      throw new ClusterCredentialsError(`cluster "${name}": ${problems.join('; ')}`);
    }
    kc.loadFromString(credentials.kubeconfig);
    return kc;
  }
  kc.loadFromOptions({
    clusters: [
      {
        name,
        server,
        caData: credentials.caData ? Buffer.from(credentials.caData).toString('base64') : undefined,
        skipTLSVerify: credentials.insecure ?? false,
      },
    ],
    users: [{ name: `${name}-user`, token: credentials.bearerToken }],
    contexts: [{ name, cluster: name, user: `${name}-user` }],
    currentContext: name,
  });
  return kc;
}

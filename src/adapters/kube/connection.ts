import { KubeConfig } from '@kubernetes/client-node';

import { loadKubeConfig } from './install.ts';

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

/** A KubeConfig for a registered remote cluster. */
export function remoteKubeConfig(name: string, server: string, credentials: ClusterCredentials): KubeConfig {
  const kc = new KubeConfig();
  if (credentials.kubeconfig) {
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

// What a registered cluster's kubeconfig may contain (pure). The controller connects with it, so
// anything that makes a client run a command (`exec`, `auth-provider`) or read a file (a CA,
// client certificate, key or token named by path) would run or read on the controller's own
// machine. Registration accepts inline data only; the controller checks again when it connects.
import { parse } from 'yaml';

interface NamedEntry {
  name?: unknown;
  cluster?: Record<string, unknown>;
  user?: Record<string, unknown>;
}

const refusedUserFields: Record<string, string> = {
  exec: 'runs a command on the controller; give a token or client-certificate-data inline',
  'auth-provider': 'runs a provider plugin on the controller; give a token inline',
  tokenFile: 'names a file on the controller; give the token inline',
  // The spelling the JavaScript client reads (at load time).
  'token-file': 'names a file on the controller; give the token inline',
  'client-certificate': 'names a file on the controller; use client-certificate-data',
  'client-key': 'names a file on the controller; use client-key-data',
};

const refusedClusterFields: Record<string, string> = {
  'certificate-authority': 'names a file on the controller; use certificate-authority-data',
};

/**
 * The problems of a cluster kubeconfig, each naming the entry and field (empty when accepted):
 * it must parse, have a current context whose cluster has an http(s) server, hold credentials
 * inline only, and name a proxy (if any) by http(s) URL.
 */
export function clusterKubeconfigProblems(text: string): string[] {
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 100 });
  } catch (error) {
    const first = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return [`kubeconfig: not YAML (${first})`];
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return ['kubeconfig: not a kubeconfig'];
  const config = doc as Record<string, unknown>;
  const problems: string[] = [];
  const list = (key: string): NamedEntry[] => {
    const value = config[key];
    return Array.isArray(value) ? value.filter((entry) => typeof entry === 'object' && entry !== null) : [];
  };
  for (const entry of list('users')) {
    const user = entry.user ?? {};
    for (const [field, why] of Object.entries(refusedUserFields)) {
      if (user[field] !== undefined && user[field] !== null && user[field] !== '') {
        problems.push(`kubeconfig: user ${JSON.stringify(entry.name)} has ${field}, which ${why}`);
      }
    }
  }
  for (const entry of list('clusters')) {
    const cluster = entry.cluster ?? {};
    for (const [field, why] of Object.entries(refusedClusterFields)) {
      if (cluster[field] !== undefined && cluster[field] !== null && cluster[field] !== '') {
        problems.push(`kubeconfig: cluster ${JSON.stringify(entry.name)} has ${field}, which ${why}`);
      }
    }
    const proxy = cluster['proxy-url'];
    if (proxy !== undefined && proxy !== null && !/^https?:\/\//i.test(String(proxy))) {
      problems.push(
        `kubeconfig: cluster ${JSON.stringify(entry.name)} has proxy-url ${JSON.stringify(String(proxy))}; only http:// and https:// proxies are supported`,
      );
    }
  }
  const current = config['current-context'];
  const context = list('contexts').find((entry) => entry.name === current) as
    | { context?: { cluster?: unknown } }
    | undefined;
  const cluster = list('clusters').find((entry) => entry.name === context?.context?.cluster)?.cluster;
  if (typeof current !== 'string' || current === '' || context === undefined || cluster === undefined) {
    problems.push('kubeconfig: its current-context names no context with a cluster');
  } else if (!/^https?:\/\//.test(String(cluster.server ?? ''))) {
    problems.push('kubeconfig: the cluster of its current context has no http(s):// server');
  }
  return problems;
}

/** The server of a kubeconfig's current context (call after `clusterKubeconfigProblems` is empty). */
export function kubeconfigServer(text: string): string {
  const config = parse(text, { maxAliasCount: 100 }) as {
    'current-context'?: string;
    contexts?: { name?: string; context?: { cluster?: string } }[];
    clusters?: { name?: string; cluster?: { server?: string } }[];
  };
  const context = config.contexts?.find((c) => c.name === config['current-context']);
  const cluster = config.clusters?.find((c) => c.name === context?.context?.cluster);
  return String(cluster?.cluster?.server ?? '').replace(/\/$/, '');
}

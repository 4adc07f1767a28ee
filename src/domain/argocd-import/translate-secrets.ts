// Argo CD's repository and cluster Secrets as Tiphys credentials Secrets and Clusters. Values are
// carried to the plan's Secrets and never put in a note or a reason: a reason names the key, not
// what it holds.
import { ARGOCD_IN_CLUSTER_SERVER } from '../../core/model/argocd-compat.ts';
import { ClusterSecretKey } from '../../core/model/cluster.ts';
import { clusterResource } from '../clusters.ts';
import { repositorySecretData, repositorySecretName } from '../repositories.ts';
import {
  type ArgoObject,
  isObjectName,
  isRecord,
  type PlannedObject,
  type PlannedSecret,
  stringMap,
} from './plan-types.ts';

/** The Secret's values as text: `data` is base64, `stringData` (a hand-written file) plain. */
export function secretValues(obj: ArgoObject): Record<string, string> | string {
  const values: Record<string, string> = {};
  const data = obj.data ?? {};
  const stringData = obj.stringData ?? {};
  if (!isRecord(data) || !isRecord(stringData)) return 'data and stringData must be maps';
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
      return `data.${key} is not base64`;
    }
    values[key] = Buffer.from(value, 'base64').toString('utf8');
  }
  for (const [key, value] of Object.entries(stringData)) {
    if (typeof value !== 'string') return `stringData.${key} is not a string`;
    values[key] = value;
  }
  return values;
}

type Outcome<T> = { ok: T } | { reasons: string[] };

const REPO_KEYS = new Set(['url', 'name', 'username', 'password', 'sshPrivateKey', 'insecure', 'type']);
/** Keys that only tune Argo CD's own Git client: dropped with a note. */
const REPO_DROPPED = new Set(['enableLfs', 'forceHttpBasicAuth', 'enableOCI', 'depth']);

/** A URL as it may be shown: without anything between `//` and `@`. */
export function shownUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//…@');
}

export function translateRepositorySecret(obj: ArgoObject, from: string): Outcome<PlannedSecret> {
  const values = secretValues(obj);
  if (typeof values === 'string') return { reasons: [values] };
  const reasons: string[] = [];
  const notes: string[] = [];
  if (values.project) {
    reasons.push(
      `it is scoped to project ${values.project}; Tiphys repository credentials serve every project, so importing it would widen who may use them (register it with tiphys repo add if that is meant)`,
    );
  }
  for (const key of Object.keys(values)) {
    if (REPO_KEYS.has(key) || key === 'project') continue;
    if (REPO_DROPPED.has(key)) notes.push(`${key} dropped: Tiphys's Git client has no such setting`);
    else
      reasons.push(
        `key ${key} is not supported (GitHub App, cloud and client-certificate credentials, proxies are not)`,
      );
  }
  if (values.type && values.type !== 'git' && values.type !== 'helm') {
    reasons.push(`type ${values.type} is not supported (git and helm are)`);
  }
  if (!values.url) reasons.push('it has no url');
  if (reasons.length > 0) return { reasons };
  const name = values.name && isObjectName(`repo-${values.name}`) ? values.name : undefined;
  if (values.name && !name)
    notes.push(`its name "${values.name}" is not a Kubernetes name: the Secret is named by the URL's hash`);
  try {
    const data = repositorySecretData({
      url: values.url,
      ...(values.name ? { name: values.name } : {}),
      ...(values.username !== undefined || values.password !== undefined
        ? { username: values.username ?? '', password: values.password ?? '' }
        : {}),
      ...(values.sshPrivateKey ? { sshPrivateKey: values.sshPrivateKey } : {}),
      insecure: values.insecure === 'true',
    });
    return {
      ok: { purpose: 'repository', name: repositorySecretName(values.url, name), from, data, notes },
    };
  } catch (error) {
    // repositorySecretData's messages name fields, never their values.
    return { reasons: [(error as Error).message] };
  }
}

/** Argo CD's `config` JSON of a cluster Secret, as the Tiphys credentials Secret's data. */
function clusterCredentials(
  config: Record<string, unknown>,
  server: string,
  notes: string[],
): Outcome<Record<string, string>> {
  const reasons: string[] = [];
  if (config.execProviderConfig !== undefined) {
    reasons.push(
      'config.execProviderConfig: exec plugins are not imported (the controller would run the command it names)',
    );
  }
  if (config.awsAuthConfig !== undefined)
    reasons.push('config.awsAuthConfig: AWS IAM authentication is not supported');
  if (config.username !== undefined || config.password !== undefined) {
    reasons.push('config.username/password: basic authentication is not supported');
  }
  const tls = isRecord(config.tlsClientConfig) ? config.tlsClientConfig : {};
  for (const key of ['proxyUrl', 'disableCompression']) {
    if (config[key] !== undefined) notes.push(`config.${key} dropped: not supported`);
  }
  if (tls.serverName !== undefined) notes.push('config.tlsClientConfig.serverName dropped: not supported');
  const pem = (field: string): string | undefined => {
    const value = tls[field];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      reasons.push(`config.tlsClientConfig.${field} must be a string`);
      return undefined;
    }
    return value;
  };
  const [caData, certData, keyData] = [pem('caData'), pem('certData'), pem('keyData')];
  const token =
    typeof config.bearerToken === 'string' && config.bearerToken !== '' ? config.bearerToken : undefined;
  const insecure = tls.insecure === true;
  if (reasons.length > 0) return { reasons };
  if (certData !== undefined || keyData !== undefined) {
    if (!certData || !keyData)
      return { reasons: ['config.tlsClientConfig: certData and keyData go together'] };
    // A client certificate has no field of its own in Tiphys: it goes in a kubeconfig.
    const kubeconfig = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'c',
          cluster: {
            server,
            ...(caData ? { 'certificate-authority-data': caData } : {}),
            ...(insecure ? { 'insecure-skip-tls-verify': true } : {}),
          },
        },
      ],
      users: [
        {
          name: 'u',
          user: {
            'client-certificate-data': certData,
            'client-key-data': keyData,
            ...(token ? { token } : {}),
          },
        },
      ],
      contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'c',
    };
    return { ok: { [ClusterSecretKey.kubeconfig]: JSON.stringify(kubeconfig) } };
  }
  if (!token)
    return { reasons: ['config: no bearerToken, client certificate or other credentials Tiphys can use'] };
  const data: Record<string, string> = { [ClusterSecretKey.bearerToken]: token };
  if (caData) data[ClusterSecretKey.caData] = Buffer.from(caData, 'base64').toString('utf8');
  if (insecure) data[ClusterSecretKey.insecure] = 'true';
  return { ok: data };
}

/** A cluster name as Kubernetes accepts it: lower case, other characters as dashes. */
export function clusterObjectName(argoName: string): string {
  return argoName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
}

export interface TranslatedCluster {
  argoName: string;
  server: string;
  cluster: PlannedObject;
  secret: PlannedSecret | undefined;
}

export function translateClusterSecret(
  obj: ArgoObject,
  from: string,
  namespace: string,
): Outcome<TranslatedCluster> | { inCluster: true } {
  const values = secretValues(obj);
  if (typeof values === 'string') return { reasons: [values] };
  const server = (values.server ?? '').replace(/\/+$/, '');
  if (server === ARGOCD_IN_CLUSTER_SERVER) return { inCluster: true };
  const reasons: string[] = [];
  const notes: string[] = [];
  if (!server) reasons.push('it has no server');
  if (values.project) {
    reasons.push(
      `it is scoped to project ${values.project}; a Tiphys Cluster is open to every project whose destinations match it (register it with tiphys cluster add if that is meant)`,
    );
  }
  if (values.namespaces || values.clusterResources) {
    notes.push('namespaces/clusterResources dropped: Tiphys watches what the credentials let it list');
  }
  if (values.shard) notes.push('shard dropped: Tiphys assigns clusters to controller replicas itself');
  let config: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(values.config ?? '{}');
    if (!isRecord(parsed)) reasons.push('config is not a JSON object');
    else config = parsed;
  } catch {
    reasons.push('config is not JSON');
  }
  const argoName = values.name || server;
  const name = clusterObjectName(argoName);
  if (!name) reasons.push('its name has no letter or digit');
  else if (name !== argoName)
    notes.push(`named ${name} (Argo CD's name "${argoName}" is not a Kubernetes name)`);
  const labelProblems: string[] = [];
  const secretLabels = stringMap(obj.metadata?.labels, 'metadata.labels', labelProblems) ?? {};
  reasons.push(...labelProblems);
  // The Secret's own labels are the cluster's labels in Argo CD's cluster generator.
  const labels = Object.fromEntries(
    Object.entries(secretLabels).filter(([k]) => !k.startsWith('argocd.argoproj.io/')),
  );
  if (reasons.length > 0) return { reasons };
  const credentials = clusterCredentials(config, server, notes);
  if ('reasons' in credentials) return credentials;
  try {
    const cluster = clusterResource(namespace, {
      name,
      server,
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
      credentials: credentials.ok,
    });
    const secretName = cluster.spec.credentialsSecret?.name;
    return {
      ok: {
        argoName,
        server,
        cluster: { kind: 'Cluster', name, from, object: cluster as never, notes },
        secret: secretName
          ? { purpose: 'cluster', name: secretName, from, data: credentials.ok, notes: [] }
          : undefined,
      },
    };
  } catch (error) {
    return { reasons: [(error as Error).message] };
  }
}

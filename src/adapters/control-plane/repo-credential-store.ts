import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';

/** Label of the Secrets that hold repository credentials; their `url` is a URL prefix. */
export const REPOSITORY_SECRET_LABEL = 'tiphys.dev/secret-type';
export const REPOSITORY_SECRET_TYPE = 'repository';

export interface RepoCredentials {
  username?: string;
  password?: string;
  sshPrivateKey?: string;
  insecureSkipTLS?: boolean;
}

const CACHE_MS = 5_000;

/**
 * Finds the credentials for a repository URL: among the labelled Secrets of the control
 * namespace, the one whose `url` is the longest prefix of the repository URL.
 */
export class RepoCredentialStore {
  private readonly core: CoreV1Api;
  private readonly namespace: string;
  private cached: { at: number; entries: { url: string; credentials: RepoCredentials }[] } | undefined;

  constructor(kc: KubeConfig, namespace: string) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.namespace = namespace;
  }

  async forUrl(repoURL: string): Promise<RepoCredentials | undefined> {
    const entries = await this.entries();
    let best: { url: string; credentials: RepoCredentials } | undefined;
    for (const entry of entries) {
      if (repoURL.startsWith(entry.url) && (!best || entry.url.length > best.url.length)) best = entry;
    }
    return best?.credentials;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private async entries(): Promise<{ url: string; credentials: RepoCredentials }[]> {
    if (this.cached && Date.now() - this.cached.at < CACHE_MS) return this.cached.entries;
    const list = await this.core.listNamespacedSecret({
      namespace: this.namespace,
      labelSelector: `${REPOSITORY_SECRET_LABEL}=${REPOSITORY_SECRET_TYPE}`,
    });
    const entries = list.items.flatMap((secret) => {
      const decode = (key: string) =>
        secret.data?.[key] ? Buffer.from(secret.data[key], 'base64').toString('utf8') : undefined;
      const url = decode('url');
      if (!url) return [];
      return [
        {
          url,
          credentials: {
            username: decode('username'),
            password: decode('password'),
            sshPrivateKey: decode('sshPrivateKey'),
            insecureSkipTLS: decode('insecure') === 'true',
          },
        },
      ];
    });
    this.cached = { at: Date.now(), entries };
    return entries;
  }
}

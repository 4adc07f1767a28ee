import type { KubeConfig } from '@kubernetes/client-node';
import { type ChartLocation, chartCredentialMatches } from '../../core/helm/chart-source.ts';
import { bestCredentialMatch } from '../../core/model/repo-url.ts';
import type { ChartCredentials } from '../charts/types.ts';
import { asKubeApiError } from '../kube/cluster-client.ts';
import { KubeRest } from '../kube/rest.ts';
import { secretPath } from './paths.ts';

/** Label of the Secrets that hold repository credentials; their `url` names what they are for. */
export const REPOSITORY_SECRET_LABEL = 'tiphys.dev/secret-type';
export const REPOSITORY_SECRET_TYPE = 'repository';

export interface RepoCredentials {
  username?: string;
  password?: string;
  sshPrivateKey?: string;
  insecureSkipTLS?: boolean;
  sshKnownHosts?: string;
  sshAcceptNewHostKey?: boolean;
  /** Extra CA certificates (PEM) for a chart repository or registry with a private CA. */
  caCert?: string;
}

export interface RepoCredentialEntry {
  url: string;
  credentials: RepoCredentials;
}

const CACHE_MS = 5_000;

/**
 * The credentials for a repository: of the entries whose URL has the repository's scheme, host
 * and port and whose path is a whole-segment prefix of its path, the most specific. A string
 * prefix would hand `https://git.example.com`'s password to `https://git.example.com.evil/`.
 */
export function credentialsFor(
  entries: readonly RepoCredentialEntry[],
  repoURL: string,
): RepoCredentials | undefined {
  const best = bestCredentialMatch(
    entries.map((entry) => entry.url),
    repoURL,
  );
  return best === -1 ? undefined : entries[best].credentials;
}

/**
 * The credentials for a chart repository or registry: an entry for exactly its host and port
 * (`https://charts.example.com` or `oci://registry.example.com`), one of the chart's own scheme
 * first. Paths do not narrow it: a registry login is per host.
 */
export function chartCredentialsFor(
  entries: readonly RepoCredentialEntry[],
  location: ChartLocation,
): ChartCredentials | undefined {
  const matching = entries.filter((entry) => chartCredentialMatches(entry.url, location));
  const entry = matching.find((e) => e.url.toLowerCase().startsWith(`${location.kind}://`)) ?? matching[0];
  if (!entry) return undefined;
  const { username, password, caCert } = entry.credentials;
  return { username, password, ca: caCert };
}

/** Reads the labelled repository Secrets of the control namespace (cached for a few seconds). */
export class RepoCredentialStore {
  private readonly rest: KubeRest;
  private readonly namespace: string;
  private cached: { at: number; entries: RepoCredentialEntry[] } | undefined;

  constructor(kc: KubeConfig, namespace: string) {
    // Never closed: its idle kept-alive sockets do not hold the process open.
    this.rest = new KubeRest(kc);
    this.namespace = namespace;
  }

  async forUrl(repoURL: string): Promise<RepoCredentials | undefined> {
    return credentialsFor(await this.entries(), repoURL);
  }

  async forChart(location: ChartLocation): Promise<ChartCredentials | undefined> {
    return chartCredentialsFor(await this.entries(), location);
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private async entries(): Promise<RepoCredentialEntry[]> {
    if (this.cached && Date.now() - this.cached.at < CACHE_MS) return this.cached.entries;
    type SecretList = { items: { data?: Record<string, string> }[] };
    const list = await this.rest
      .request<SecretList>('GET', secretPath(this.namespace), {
        query: { labelSelector: `${REPOSITORY_SECRET_LABEL}=${REPOSITORY_SECRET_TYPE}` },
      })
      .catch((error: unknown) => {
        throw asKubeApiError(error, `list of the repository Secrets of namespace ${this.namespace}`);
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
            sshKnownHosts: decode('sshKnownHosts'),
            sshAcceptNewHostKey: decode('sshAcceptNewHostKey') === 'true',
            caCert: decode('caCert'),
          },
        },
      ];
    });
    this.cached = { at: Date.now(), entries };
    return entries;
  }
}

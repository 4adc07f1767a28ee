// OCI registries (the distribution API): tags of a chart's repository, its manifest, the chart
// layer by digest. Registries ask for credentials by a 401 challenge: Basic (htpasswd) or Bearer
// (a token service); both are answered with the repository Secret's username and password, sent
// only to the registry's host and its token realm.
import type { ChartLocation } from '../../core/helm/chart-source.ts';
import { assertOk } from './chart-repo-index.ts';
import { ChartFetchError } from './errors.ts';
import { type HttpsResponse, httpsGet } from './https-get.ts';
import type { ChartCredentials, FetchLimits } from './types.ts';

export const HELM_CHART_LAYER = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';
const manifestTypes = 'application/vnd.oci.image.manifest.v1+json';
const smallBytes = 4 * 1024 * 1024;

export class OciSession {
  private readonly location: ChartLocation;
  private readonly credentials: ChartCredentials | undefined;
  private readonly limits: FetchLimits;
  private authorization: string | undefined;

  constructor(location: ChartLocation, credentials: ChartCredentials | undefined, limits: FetchLimits) {
    this.location = location;
    this.credentials = credentials;
    this.limits = limits;
  }

  /** The chart's versions: its tags, with Helm's `_` for `+` turned back. */
  async versions(): Promise<string[]> {
    const response = await this.get(`/v2/${this.location.repository}/tags/list?n=10000`, smallBytes);
    assertOk(response, `chart ${this.location.repoURL}/${this.location.chart}`);
    const tags = (JSON.parse(response.body.toString('utf8')) as { tags?: unknown }).tags;
    return Array.isArray(tags)
      ? tags.filter((t): t is string => typeof t === 'string').map((t) => t.replace(/_/g, '+'))
      : [];
  }

  /** The digest of the chart layer of a version's manifest. */
  async chartDigest(version: string): Promise<string> {
    const tag = version.replace(/\+/g, '_');
    const response = await this.get(
      `/v2/${this.location.repository}/manifests/${encodeURIComponent(tag)}`,
      smallBytes,
      manifestTypes,
    );
    assertOk(response, `chart ${this.location.repoURL}/${this.location.chart} ${version}`);
    const manifest = JSON.parse(response.body.toString('utf8')) as {
      layers?: { mediaType?: string; digest?: string }[];
    };
    const layer = manifest.layers?.find((l) => l.mediaType === HELM_CHART_LAYER);
    if (!layer?.digest) {
      throw new ChartFetchError(
        `${this.location.repoURL}/${this.location.chart}:${tag} is not a Helm chart (no chart layer)`,
        {
          terminal: true,
        },
      );
    }
    return layer.digest;
  }

  async blob(digest: string): Promise<Buffer> {
    const response = await this.get(
      `/v2/${this.location.repository}/blobs/${digest}`,
      this.limits.maxChartBytes,
    );
    assertOk(response, `chart ${this.location.repoURL}/${this.location.chart} layer ${digest}`);
    return response.body;
  }

  private async get(path: string, maxBytes: number, accept?: string): Promise<HttpsResponse> {
    const url = `https://${this.location.host}${path}`;
    const send = () =>
      httpsGet(url, {
        accept,
        ca: this.credentials?.ca,
        authorization: this.authorization,
        authHost: this.location.host,
        maxBytes,
        timeoutMs: this.limits.timeoutMs,
      });
    let response = await send();
    if (response.status !== 401 || this.authorization !== undefined) return response;
    const challenge = String(response.headers['www-authenticate'] ?? '');
    this.authorization = await this.answer(challenge);
    if (this.authorization === undefined) return response;
    response = await send();
    return response;
  }

  private basic(): string | undefined {
    const c = this.credentials;
    if (c?.username === undefined && c?.password === undefined) return undefined;
    return `Basic ${Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64')}`;
  }

  private async answer(challenge: string): Promise<string | undefined> {
    if (/^basic\b/i.test(challenge)) return this.basic();
    if (!/^bearer\b/i.test(challenge)) return undefined;
    const params = Object.fromEntries(
      [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1].toLowerCase(), m[2]]),
    );
    if (!params.realm) return undefined;
    const realm = new URL(params.realm);
    if (params.service) realm.searchParams.set('service', params.service);
    realm.searchParams.set('scope', params.scope ?? `repository:${this.location.repository}:pull`);
    const response = await httpsGet(realm.toString(), {
      ca: this.credentials?.ca,
      authorization: this.basic(),
      // The token service named by the registry's own challenge may get the credentials.
      authHost: realm.host.toLowerCase(),
      maxBytes: smallBytes,
      timeoutMs: this.limits.timeoutMs,
    });
    assertOk(response, `token service of ${this.location.host}`);
    const body = JSON.parse(response.body.toString('utf8')) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    return token ? `Bearer ${token}` : undefined;
  }
}

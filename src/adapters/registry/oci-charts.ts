// Helm charts in OCI registries, through the one registry client (the same authentication,
// retries and size caps as images and artifacts): a chart's versions are its repository's tags
// (Helm writes `+` as `_`), a version's chart layer is named by its manifest, fetched by digest.
import type { ChartLocation } from '../../core/helm/chart-source.ts';
import { ChartFetchError } from '../charts/errors.ts';
import type { ChartCredentials, FetchLimits } from '../charts/types.ts';
import { RegistryClient, RegistryError } from './client.ts';

export const HELM_CHART_LAYER = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';

export class OciChartSession {
  private readonly location: ChartLocation;
  private readonly client: RegistryClient;

  constructor(location: ChartLocation, credentials: ChartCredentials | undefined, limits: FetchLimits) {
    this.location = location;
    this.client = new RegistryClient({
      registry: location.host,
      credentials:
        credentials?.username !== undefined || credentials?.password !== undefined
          ? { username: credentials.username ?? '', password: credentials.password ?? '' }
          : undefined,
      ca: credentials?.ca,
      timeoutMs: limits.timeoutMs,
      maxAttempts: 2,
    });
    this.maxChartBytes = limits.maxChartBytes;
  }

  private readonly maxChartBytes: number;

  /** The chart's versions: its tags, with Helm's `_` for `+` turned back. */
  async versions(): Promise<string[]> {
    const tags = await this.guard('', () => this.client.listTags(this.location.repository));
    return tags.map((t) => t.replace(/_/g, '+'));
  }

  /** The digest of the chart layer of a version's manifest. */
  async chartDigest(version: string): Promise<string> {
    const tag = version.replace(/\+/g, '_');
    const { bytes } = await this.guard(` ${version}`, () =>
      this.client.manifestBytes(this.location.repository, tag),
    );
    let manifest: { layers?: { mediaType?: string; digest?: string }[] };
    try {
      manifest = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new ChartFetchError(`${this.where()}:${tag}: the manifest is not JSON`, { terminal: true });
    }
    const layer = manifest.layers?.find((l) => l.mediaType === HELM_CHART_LAYER);
    if (!layer?.digest)
      throw new ChartFetchError(`${this.where()}:${tag} is not a Helm chart (no chart layer)`, {
        terminal: true,
      });
    return layer.digest;
  }

  /** The chart archive, checked against its digest. */
  blob(digest: string): Promise<Buffer> {
    return this.guard(` layer ${digest}`, () =>
      this.client.blobBytes(this.location.repository, digest, this.maxChartBytes),
    );
  }

  private where(): string {
    return `${this.location.repoURL}/${this.location.chart}`;
  }

  private async guard<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof RegistryError)) throw error;
      throw new ChartFetchError(`chart ${this.where()}${what}: ${error.message}`, {
        terminal: error.terminal,
        cause: error,
      });
    }
  }
}

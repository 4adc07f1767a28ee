/** Credentials of a chart repository or registry, from its repository Secret. */
export interface ChartCredentials {
  username?: string;
  password?: string;
  /** Extra CA certificates (PEM) the repository's TLS certificate may chain to. */
  ca?: string;
}

export interface FetchLimits {
  timeoutMs: number;
  maxChartBytes: number;
}

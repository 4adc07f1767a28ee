// Pod logs of an app (docs/api.md, "Logs"): the logs of each container of each Pod the caller may
// read, as entries of one stream. The caller (the API server) decides which Pods; here each
// container's log is read from the Pod's cluster, line by line, and every failure becomes an
// entry saying why that container's log is not available, never the end of the other streams.
import { createInterface } from 'node:readline';
import type { KubeRest } from '../adapters/kube/rest.ts';

export interface LogOptions {
  container?: string;
  follow?: boolean;
  previous?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
}

export interface LogSource {
  namespace: string;
  pod: string;
  containers: string[];
}

/** One line of a container's log, or why it has none (`error`), or a word about the request. */
export type LogEntry =
  | { pod: string; container: string; line: string }
  | { pod: string; container: string; error: string }
  | { notice: string };

/** Lines past this length are cut (a log of one huge line must not fill the server's memory). */
const MAX_LINE = 64 * 1024;
/** Without tail or since, the last lines only: a long-running Pod's log can be gigabytes. */
export const DEFAULT_TAIL_LINES = 1000;
/** Bytes read of one container's log when not following. */
const LIMIT_BYTES = 16 * 1024 * 1024;

/** Why a log is not available, in words a person can act on. */
export function explainLogError(message: string): string {
  // The API server proxies logs from the node's kubelet; a node without one (kwok's simulated
  // nodes) or a kubelet out of reach fails there.
  if (
    /:10250|kubelet|connection refused|no route to host|i\/o timeout|dial tcp|no preferred addresses/i.test(
      message,
    )
  ) {
    return `the node did not serve the log (a simulated node, or a kubelet the API server cannot reach): ${message}`;
  }
  if (/previous terminated container .* not found/i.test(message)) {
    return `no previous run of the container to show: ${message}`;
  }
  return message;
}

/**
 * Reads each container's log and hands every line to `emit`, all containers at once; resolves
 * when every log has ended (never, while following, until `signal` aborts).
 */
export async function streamPodLogs(
  rest: KubeRest,
  sources: readonly LogSource[],
  options: LogOptions,
  emit: (entry: LogEntry) => void,
  signal: AbortSignal,
): Promise<void> {
  const tail = options.tailLines ?? (options.sinceSeconds === undefined ? DEFAULT_TAIL_LINES : undefined);
  const query = {
    follow: options.follow ? 'true' : undefined,
    previous: options.previous ? 'true' : undefined,
    tailLines: tail === undefined ? undefined : String(tail),
    sinceSeconds: options.sinceSeconds === undefined ? undefined : String(options.sinceSeconds),
    limitBytes: options.follow ? undefined : String(LIMIT_BYTES),
  };
  const one = async (source: LogSource, container: string) => {
    const path = `/api/v1/namespaces/${encodeURIComponent(source.namespace)}/pods/${encodeURIComponent(source.pod)}/log`;
    try {
      const response = await rest.openStream(path, { ...query, container }, signal);
      const lines = createInterface({ input: response, crlfDelay: Number.POSITIVE_INFINITY });
      signal.addEventListener('abort', () => response.destroy(), { once: true });
      for await (const line of lines) {
        emit({
          pod: source.pod,
          container,
          line: line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line,
        });
      }
    } catch (error) {
      if (signal.aborted) return;
      const message = error instanceof Error ? error.message : String(error);
      emit({ pod: source.pod, container, error: explainLogError(message) });
    }
  };
  await Promise.all(
    sources.flatMap((source) => source.containers.map((container) => one(source, container))),
  );
}

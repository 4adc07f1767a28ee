// One structured log line per answered request (the API's access log): method, path without its
// query, route pattern, status, duration and client address, and who asked. Never a header or a
// query string, which may carry credentials. Probes (/healthz, /metrics) are logged at debug, so
// a scrape every few seconds does not drown the log; a 5xx is a warning.
import type { FastifyInstance } from 'fastify';

export interface RequestLogEntry {
  level: 'debug' | 'info' | 'warn';
  fields: {
    method: string;
    path: string;
    route: string;
    status: number;
    durationMs: number;
    remoteAddress: string;
  };
}

const PROBES = new Set(['/healthz', '/metrics']);

/** The entry for one answered request (pure: unit-tested). */
export function requestLogEntry(request: {
  method: string;
  url: string;
  route: string | undefined;
  status: number;
  elapsedMs: number;
  ip: string;
}): RequestLogEntry {
  const path = request.url.split('?')[0];
  const level = request.status >= 500 ? 'warn' : PROBES.has(path) ? 'debug' : 'info';
  return {
    level,
    fields: {
      method: request.method,
      path: path.length > 300 ? `${path.slice(0, 300)}…` : path,
      route: request.route ?? 'unmatched',
      status: request.status,
      durationMs: Math.round(request.elapsedMs * 10) / 10,
      remoteAddress: request.ip,
    },
  };
}

export function registerRequestLog(app: FastifyInstance, write: (entry: RequestLogEntry) => void): void {
  app.addHook('onResponse', async (req, reply) => {
    write(
      requestLogEntry({
        method: req.method,
        url: req.url,
        route: req.routeOptions.url,
        status: reply.statusCode,
        elapsedMs: reply.elapsedTime,
        ip: req.ip,
      }),
    );
  });
}

// Prometheus metrics of the API server: requests by route and status, and their duration. A
// registry per server (not prom-client's global one) so several servers in one process (tests,
// the server with its in-process controller) never register a metric twice.
import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'tiphys_server_requests_total',
    help: 'HTTP requests served, by method, route and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'tiphys_server_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    // No prefix: process_* and nodejs_* are the names stock dashboards use.
    // Lag sampled once a second, not prom-client's every 10 ms (a wake-up each: idle CPU).
    if (options.processMetrics)
      collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 1000 });
  }

  /** Records every answered request under its route pattern (`/api/v1/applications/:name`). */
  instrument(app: FastifyInstance): void {
    app.addHook('onResponse', async (req, reply) => {
      // Unmatched paths share one label, so probing random URLs cannot blow up the series count.
      const route = req.routeOptions.url ?? 'unmatched';
      const labels = { method: req.method, route, status: String(reply.statusCode) };
      this.requests.inc(labels);
      this.duration.observe(labels, reply.elapsedTime / 1000);
    });
  }
}

import Fastify, { type FastifyInstance } from 'fastify';
import { type GitProvider, parsePushEvent, pushMatches, WebhookError } from '../core/webhook/push-event.ts';
import type { Controller } from './controller.ts';

export interface ControllerHttpOptions {
  /** Shared secrets of the Git providers' webhooks; a provider without one is not checked. */
  webhookSecrets?: Partial<Record<GitProvider, string>>;
}

/**
 * The controller's own endpoints: /healthz, /metrics (Prometheus), and POST /webhook for push
 * events from GitHub, GitLab and Gitea, which refresh only the Applications whose repository
 * and target revision the push moved.
 */
export function controllerHttp(controller: Controller, options: ControllerHttpOptions = {}): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 5 * 1024 * 1024 });
  // The signature is over the exact bytes: keep the body raw, parse it after checking.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.get('/healthz', async () => ({ status: 'ok', leader: controller.isActive }));
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', controller.metrics.registry.contentType);
    return controller.metrics.registry.metrics();
  });
  app.post('/webhook', async (req, reply) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.from('');
    try {
      const event = parsePushEvent(req.headers, body, options.webhookSecrets ?? {});
      if (!event) return { refreshed: [] };
      const refreshed: string[] = [];
      for (const item of controller.apps.list()) {
        const source = item.spec.source;
        if (pushMatches(event, source.repoURL, source.targetRevision ?? 'HEAD')) {
          controller.refresh(item.metadata.name);
          refreshed.push(item.metadata.name);
        }
      }
      return { refreshed };
    } catch (error) {
      if (error instanceof WebhookError) {
        reply.code(error.status);
        return { error: error.message };
      }
      throw error;
    }
  });
  return app;
}

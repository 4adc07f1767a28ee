import Fastify, { type FastifyInstance } from 'fastify';
import { appsOfArtifactPush } from '../core/oci/artifact-source.ts';
import { pushTouchesApp } from '../core/webhook/generate-paths.ts';
import { WebhookGuard, WebhookIntake, WebhookRateLimitedError } from '../core/webhook/intake.ts';
import { type GitProvider, type PushEvent, pushMatches, WebhookError } from '../core/webhook/push-event.ts';
import { checkRegistrySecret, parseRegistryEvent } from '../core/webhook/registry-event.ts';
import type { Controller } from './controller.ts';

export interface ControllerHttpOptions {
  /**
   * Shared secrets of the Git providers' webhooks. With none, webhooks are not checked; with any,
   * a provider without one is refused.
   */
  webhookSecrets?: Partial<Record<GitProvider, string>>;
  /** Shared secret of registry notifications (POST /webhook/registry); without one they are refused. */
  registryWebhookSecret?: string;
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
  // The same checks as the API server's webhook: rate limit, secrets, signature, replay.
  const intake = new WebhookIntake({ secrets: options.webhookSecrets ?? {}, now: Date.now });
  app.post('/webhook', async (req, reply) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.from('');
    let event: PushEvent | undefined;
    try {
      event = intake.receive(req.headers, body, req.ip);
    } catch (error) {
      if (!(error instanceof WebhookError)) throw error;
      if (error instanceof WebhookRateLimitedError)
        reply.header('retry-after', String(error.retryAfterSeconds));
      return reply.code(error.status).send({ error: error.message });
    }
    if (!event) return { refreshed: 0 };
    // A count, not names: the sender is not a logged-in user.
    const pushed = controller.apps
      .list()
      .filter((item) => {
        const sources = item.spec.sources ?? (item.spec.source ? [item.spec.source] : []);
        return (
          sources.some((source) => pushMatches(event, source.repoURL, source.targetRevision ?? 'HEAD')) &&
          pushTouchesApp(event, {
            annotations: item.metadata.annotations,
            sourcePaths: sources.map((s) => s.path),
          })
        );
      })
      .map((item) => item.metadata.name);
    controller.refreshPushed(pushed);
    return { refreshed: pushed.length };
  });
  // Registry notifications: the same rate limit and replay rule, a secret always required.
  const guard = new WebhookGuard({ now: Date.now });
  app.post('/webhook/registry', async (req, reply) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.from('');
    try {
      guard.countRequest(req.ip);
      checkRegistrySecret(options.registryWebhookSecret, req.headers, req.url.split('?')[1] ?? '', body);
      guard.refuseReplay('registry', body);
      const push = parseRegistryEvent(req.headers, body);
      // Apps whose OCI artifact the push names are compared again (they resolve the tag themselves).
      controller.refreshPushed(appsOfArtifactPush(controller.apps.list(), push.images));
      // A count, not names: the sender is not a logged-in user.
      return { scanned: await controller.scanPushed(push) };
    } catch (error) {
      if (!(error instanceof WebhookError)) throw error;
      if (error instanceof WebhookRateLimitedError)
        reply.header('retry-after', String(error.retryAfterSeconds));
      return reply.code(error.status).send({ error: error.message });
    }
  });
  return app;
}

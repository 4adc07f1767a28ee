// Unauthenticated endpoints: liveness, Prometheus metrics, and Git webhooks (checked by their
// shared secret instead of a login).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Registry } from 'prom-client';
import { Type } from 'typebox';
import { pushTouchesApp } from '../../core/webhook/generate-paths.ts';
import { WebhookIntake, WebhookRateLimitedError } from '../../core/webhook/intake.ts';
import {
  type GitProvider,
  type PushEvent,
  pushMatches,
  WebhookError,
} from '../../core/webhook/push-event.ts';
import { requestRefresh } from '../../domain/app-operations.ts';
import { appObject } from '../app-access.ts';
import type { ServerContext } from '../context.ts';
import type { ServerMetrics } from '../metrics.ts';
import { WebhookResult } from '../schemas.ts';

export function registerSystemRoutes(app: FastifyInstance, ctx: ServerContext, metrics: ServerMetrics): void {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness',
        tags: ['system'],
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics', tags: ['system'], produces: ['text/plain'] } },
    async (_req, reply) => {
      // With the controller in the same process, one scrape shows both.
      const registry = ctx.controller
        ? Registry.merge([metrics.registry, ctx.controller.metrics.registry])
        : metrics.registry;
      reply.header('content-type', registry.contentType);
      return registry.metrics();
    },
  );
}

/**
 * POST /webhook and /api/webhook: a push refreshes the Applications whose repository and target
 * revision it moved. In its own plugin scope because the signature is over the raw body bytes.
 * The answer is how many apps were refreshed, never which: the sender is not a logged-in user.
 */
export function registerWebhookRoutes(
  app: FastifyInstance,
  ctx: ServerContext,
  secrets: Partial<Record<GitProvider, string>>,
): void {
  const intake = new WebhookIntake({ secrets, now: Date.now });
  app.register(async (scope) => {
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) =>
      done(null, body),
    );
    const handler = async (req: FastifyRequest, reply: FastifyReply) => {
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
      let refreshed = 0;
      const pushed: string[] = [];
      for (const item of ctx.apps.list()) {
        const sources = item.spec.sources ?? (item.spec.source ? [item.spec.source] : []);
        if (!sources.some((source) => pushMatches(event, source.repoURL, source.targetRevision ?? 'HEAD')))
          continue;
        const paths = sources.map((source) => source.path);
        if (!pushTouchesApp(event, { annotations: item.metadata.annotations, sourcePaths: paths })) continue;
        refreshed++;
        // Audited like a refresh through the API; the sender is the provider, not a user.
        const audit = { action: 'refresh', resource: 'applications', object: appObject(item) } as const;
        const message = `${event.provider} push to ${event.ref}`;
        if (ctx.controller?.isActive) {
          pushed.push(item.metadata.name);
          ctx.auth.audit({ ...audit, result: 'success', message });
          continue;
        }
        await requestRefresh(ctx, item.metadata.name).then(
          () => ctx.auth.audit({ ...audit, result: 'success', message }),
          (error: unknown) => {
            ctx.log(`webhook: refresh of ${item.metadata.name}: ${String(error)}`);
            ctx.auth.audit({ ...audit, result: 'error', message: `${message}: ${String(error)}` });
          },
        );
      }
      // The apps whose folder the push changed first (the controller's push triage).
      if (pushed.length > 0) ctx.controller?.refreshPushed(pushed);
      return { refreshed };
    };
    for (const url of ['/webhook', '/api/webhook']) {
      scope.post(
        url,
        {
          schema: {
            summary: 'Push events of GitHub, GitLab and Gitea: refreshes the apps the push moved',
            tags: ['system'],
            response: { 200: WebhookResult },
          },
        },
        handler,
      );
    }
  });
}

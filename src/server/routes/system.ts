// Unauthenticated endpoints: liveness, Prometheus metrics, and Git webhooks (checked by their
// shared secret instead of a login).
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { Type } from 'typebox';
import {
  type GitProvider,
  parsePushEvent,
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
 */
export function registerWebhookRoutes(
  app: FastifyInstance,
  ctx: ServerContext,
  secrets: Partial<Record<GitProvider, string>>,
): void {
  app.register(async (scope) => {
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) =>
      done(null, body),
    );
    const handler = async (
      req: { headers: Record<string, string | string[] | undefined>; body: unknown },
      reply: { code(n: number): unknown },
    ) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.from('');
      try {
        const event = parsePushEvent(req.headers, body, secrets);
        if (!event) return { refreshed: [] };
        const refreshed: string[] = [];
        for (const item of ctx.apps.list()) {
          const source = item.spec.source;
          if (!pushMatches(event, source.repoURL, source.targetRevision ?? 'HEAD')) continue;
          refreshed.push(item.metadata.name);
          // Audited like a refresh through the API; the sender is the provider, not a user.
          const audit = { action: 'refresh', resource: 'applications', object: appObject(item) } as const;
          const message = `${event.provider} push to ${event.ref}`;
          if (ctx.controller?.isActive) {
            ctx.controller.refresh(item.metadata.name);
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
        return { refreshed };
      } catch (error) {
        if (error instanceof WebhookError) {
          reply.code(error.status);
          return { error: error.message };
        }
        throw error;
      }
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

// POST /webhook/registry on the API server: registry push notifications (distribution, Docker
// Hub, GHCR, Harbor) with the controller's rules: a shared secret is always required
// (TIPHYS_WEBHOOK_REGISTRY_SECRET), the Git webhooks' rate limit and replay rule apply. The
// controller may run elsewhere, so the scan is requested through an annotation on each
// ImageRepository the push names (docs/images.md); the notification's tag is never used.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ImageObjects } from '../../adapters/control-plane/image-objects.ts';
import { appsOfArtifactPush } from '../../core/oci/artifact-source.ts';
import { WebhookGuard, WebhookRateLimitedError } from '../../core/webhook/intake.ts';
import { WebhookError } from '../../core/webhook/push-event.ts';
import {
  checkRegistrySecret,
  parseRegistryEvent,
  type RegistryPush,
} from '../../core/webhook/registry-event.ts';
import { requestRefresh } from '../../domain/app-operations.ts';
import { requestScans } from '../../domain/images/scan-request.ts';
import type { ServerContext } from '../context.ts';

const RegistryWebhookResult = Type.Object({ scanned: Type.Integer() });

export function registerRegistryWebhookRoutes(
  app: FastifyInstance,
  ctx: ServerContext,
  secret: string | undefined,
): void {
  const guard = new WebhookGuard({ now: Date.now });
  const objects = new ImageObjects(ctx.rest, ctx.namespace);
  app.register(async (scope) => {
    // The signature is over the exact bytes: keep the body raw, parse it after checking.
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) =>
      done(null, body),
    );
    const handler = async (req: FastifyRequest, reply: FastifyReply) => {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.from('');
      try {
        guard.countRequest(req.ip);
        checkRegistrySecret(secret, req.headers, req.url.split('?')[1] ?? '', body);
        guard.refuseReplay('registry', body);
        const push = parseRegistryEvent(req.headers, body);
        await refreshArtifactApps(ctx, push);
        // A count, not names: the sender is not a logged-in user.
        return { scanned: await requestScans(objects, push, new Date()) };
      } catch (error) {
        if (!(error instanceof WebhookError)) throw error;
        if (error instanceof WebhookRateLimitedError)
          reply.header('retry-after', String(error.retryAfterSeconds));
        return reply.code(error.status).send({ error: error.message });
      }
    };
    for (const url of ['/webhook/registry', '/api/webhook/registry'])
      scope.post(
        url,
        {
          schema: {
            summary: 'Registry push notifications: the named image repositories are scanned',
            tags: ['system'],
            response: { 200: RegistryWebhookResult },
          },
        },
        handler,
      );
  });
}

/**
 * Apps with an OCI artifact source in a repository the push names are refreshed (the controller
 * in this process directly, else through the refresh annotation); they ask the registry
 * themselves, nothing of the notification but the repository's name is used.
 */
async function refreshArtifactApps(ctx: ServerContext, push: RegistryPush): Promise<void> {
  for (const name of appsOfArtifactPush(ctx.apps.list(), push.images)) {
    if (ctx.controller?.isActive) ctx.controller.refresh(name);
    else
      await requestRefresh(ctx, name).catch((error: unknown) =>
        ctx.log(`registry webhook: refresh of ${name}: ${String(error)}`),
      );
  }
}

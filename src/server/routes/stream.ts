// Live updates: Server-Sent Events of every Application change the caller may see, straight
// from the informer, so the UI never polls.
import type { FastifyInstance } from 'fastify';
import { withoutManagedFields } from '../../core/manifest/object.ts';
import { identityOf, unauthenticated } from '../access.ts';
import { appObject } from '../app-access.ts';
import type { AppEvent } from '../app-events.ts';
import type { ServerContext } from '../context.ts';

export const HEARTBEAT_MS = 15_000;

export function registerStreamRoutes(
  app: FastifyInstance,
  ctx: ServerContext,
  heartbeatMs = HEARTBEAT_MS,
): void {
  // Open streams never go idle: end them when the server closes, or closing would wait forever.
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });
  app.get(
    '/api/v1/stream/applications',
    {
      schema: {
        summary: 'Server-Sent Events: `event: application`, data {type: ADDED|MODIFIED|DELETED, application}',
        tags: ['applications'],
        produces: ['text/event-stream'],
      },
    },
    async (req, reply) => {
      const identity = await identityOf(ctx.auth, req);
      if (!identity && !(await ctx.auth.enforce(undefined, 'applications', 'get', '*/*')))
        throw unauthenticated();
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // Proxies such as nginx would otherwise hold events back in their buffers.
        'x-accel-buffering': 'no',
      });
      res.write(': connected\n\n');
      // Events are written in the order they happened even though each waits for its own check.
      let queue = Promise.resolve();
      const send = (event: AppEvent) => {
        queue = queue
          .then(async () => {
            if (!(await ctx.auth.enforce(identity, 'applications', 'get', appObject(event.application))))
              return;
            if (res.destroyed) return;
            const data = JSON.stringify({
              type: event.type,
              application: withoutManagedFields(event.application),
            });
            res.write(`event: application\ndata: ${data}\n\n`);
          })
          .catch((error: unknown) =>
            ctx.log(`stream: ${error instanceof Error ? error.message : String(error)}`),
          );
      };
      const unsubscribe = ctx.appEvents.subscribe(send);
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
      const close = () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(end);
      };
      const end = () => {
        close();
        res.end();
      };
      open.add(end);
      req.raw.on('close', close);
      res.on('close', close);
      res.on('error', close);
    },
  );
}

// Live updates: Server-Sent Events of every Application and Pipeline change the caller may see,
// straight from the informers, so the UI never polls. A stream lives longer than the token that opened it:
// the token is checked again every `recheckMs` and when it expires, and the stream ends as soon
// as it is no longer valid (logged out, revoked, expired). Each caller may hold `maxPerCaller`
// streams of each kind at once (a browser tab needs one), so no one can tie up the server with
// thousands.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { withoutManagedFields } from '../../core/manifest/object.ts';
import { identityOf, unauthenticated } from '../access.ts';
import { appObject } from '../app-access.ts';
import type { AppEvent } from '../app-events.ts';
import type { Identity } from '../auth/index.ts';
import type { ServerContext } from '../context.ts';
import { HttpError } from '../http-error.ts';
import { maySeePipeline } from '../pipeline-access.ts';
import type { PipelineEvent } from '../pipeline-events.ts';

export const HEARTBEAT_MS = 15_000;
export const RECHECK_MS = 10_000;
export const MAX_STREAMS_PER_CALLER = 10;
// setTimeout's limit; a token valid for longer is caught by the periodic check anyway.
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface StreamOptions {
  heartbeatMs?: number;
  recheckMs?: number;
  maxPerCaller?: number;
}

/** Who holds a stream: a token by its id, a person by name, an anonymous caller by address. */
function callerKey(identity: Identity | undefined, req: FastifyRequest): string {
  if (!identity) return `address:${req.ip}`;
  return identity.tokenId ? `token:${identity.tokenId}` : `${identity.kind}:${identity.subject}`;
}

const sameCaller = (a: Identity, b: Identity | undefined) =>
  b !== undefined && a.subject === b.subject && a.kind === b.kind && a.tokenId === b.tokenId;

/** One kind of live stream: where it is served, what it listens to, who may see an event. */
interface StreamKind<E> {
  path: string;
  summary: string;
  tag: string;
  /** The SSE event name each change is sent as. */
  event: string;
  subscribe: (listener: (event: E) => void) => () => void;
  visible: (identity: Identity | undefined, event: E) => Promise<boolean>;
  data: (event: E) => unknown;
}

export function registerStreamRoutes(
  app: FastifyInstance,
  ctx: ServerContext,
  options: StreamOptions = {},
): void {
  // Open streams never go idle: end them when the server closes, or closing would wait forever.
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });
  serveStream<AppEvent>(app, ctx, options, open, {
    path: '/api/v1/stream/applications',
    summary: 'Server-Sent Events: `event: application`, data {type: ADDED|MODIFIED|DELETED, application}',
    tag: 'applications',
    event: 'application',
    subscribe: (listener) => ctx.appEvents.subscribe(listener),
    visible: (identity, e) => ctx.auth.enforce(identity, 'applications', 'get', appObject(e.application)),
    data: (e) => ({ type: e.type, application: withoutManagedFields(e.application) }),
  });
  serveStream<PipelineEvent>(app, ctx, options, open, {
    path: '/api/v1/stream/pipelines',
    summary:
      'Server-Sent Events: `event: pipeline`, data {type: ADDED|MODIFIED|DELETED, pipeline}; only pipelines the caller may see (`get` on all their apps)',
    tag: 'pipelines',
    event: 'pipeline',
    subscribe: (listener) => ctx.pipelineEvents.subscribe(listener),
    visible: (identity, e) => maySeePipeline(ctx, identity, e.pipeline),
    data: (e) => ({ type: e.type, pipeline: withoutManagedFields(e.pipeline) }),
  });
}

function serveStream<E>(
  app: FastifyInstance,
  ctx: ServerContext,
  options: StreamOptions,
  open: Set<() => void>,
  kind: StreamKind<E>,
): void {
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const recheckMs = options.recheckMs ?? RECHECK_MS;
  const maxPerCaller = options.maxPerCaller ?? MAX_STREAMS_PER_CALLER;
  const perCaller = new Map<string, number>();
  app.get(
    kind.path,
    { schema: { summary: kind.summary, tags: [kind.tag], produces: ['text/event-stream'] } },
    async (req, reply) => {
      const identity = await identityOf(ctx.auth, req);
      if (!identity && !(await ctx.auth.enforce(undefined, 'applications', 'get', '*/*')))
        throw unauthenticated();
      const key = callerKey(identity, req);
      const held = perCaller.get(key) ?? 0;
      if (held >= maxPerCaller) {
        throw new HttpError(
          429,
          `${held} live-update streams are already open for this caller (at most ${maxPerCaller}); close one first`,
        );
      }
      perCaller.set(key, held + 1);
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
      let valid = true;
      // Events are written in the order they happened even though each waits for its own check.
      let queue = Promise.resolve();
      const send = (event: E) => {
        queue = queue
          .then(async () => {
            if (!valid) return;
            if (!(await kind.visible(identity, event))) return;
            if (res.destroyed || !valid) return;
            res.write(`event: ${kind.event}\ndata: ${JSON.stringify(kind.data(event))}\n\n`);
          })
          .catch((error: unknown) =>
            ctx.log(`stream: ${error instanceof Error ? error.message : String(error)}`),
          );
      };
      const unsubscribe = kind.subscribe(send);
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
      const timers: NodeJS.Timeout[] = [];
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        valid = false;
        clearInterval(heartbeat);
        for (const timer of timers) clearTimeout(timer);
        unsubscribe();
        open.delete(end);
        const left = (perCaller.get(key) ?? 1) - 1;
        if (left > 0) perCaller.set(key, left);
        else perCaller.delete(key);
      };
      const end = () => {
        close();
        res.end();
      };
      if (identity) {
        // The same request's credentials, asked again: a logout, a revoked or expired token ends it.
        const recheck = async () => {
          if (closed) return;
          const now = await ctx.auth.authenticate(req).catch(() => undefined);
          if (sameCaller(identity, now)) return;
          valid = false;
          if (!res.destroyed)
            res.write('event: end\ndata: {"reason":"the session or token is no longer valid"}\n\n');
          end();
        };
        timers.push(setInterval(() => void recheck(), recheckMs));
        if (identity.expiresAt !== undefined) {
          const untilExpiry = identity.expiresAt * 1000 - Date.now();
          timers.push(
            setTimeout(() => void recheck(), Math.min(MAX_TIMER_MS, Math.max(0, untilExpiry) + 100)),
          );
        }
      }
      open.add(end);
      req.raw.on('close', close);
      res.on('close', close);
      res.on('error', close);
    },
  );
}

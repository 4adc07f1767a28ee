// Pod logs of an app, streamed as JSON lines (docs/api.md, "Logs"): needs `get` on the app (else
// the missing-app 404) and the RBAC action `logs` (403, audited). Only Pods of the app's resource
// tree (below objects it owns, in namespaces its project permits); a kind and name narrow them to
// one tracked object's. A log that cannot be read (a simulated node, no previous run) is an entry
// saying why, in a 200 stream: the page shows it next to the logs that could be read.
import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { appLogContainers, appLogSources } from '../../domain/app-objects/log-sources.ts';
import { type LogEntry, streamPodLogs } from '../../domain/pod-logs.ts';
import { appObject, authorizedApp } from '../app-access.ts';
import { maskTokens } from '../auth/signed-token.ts';
import type { ServerContext } from '../context.ts';
import { badRequest, HttpError } from '../http-error.ts';
import { NameParams } from '../schemas.ts';
import { LogContainers, LogContainersQuery, LogsQuery } from '../schemas-resources.ts';
import { RECHECK_MS } from './stream.ts';

type Params = Static<typeof NameParams>;
type Query = Static<typeof LogsQuery>;
type ContainersQuery = Static<typeof LogContainersQuery>;

/** The one object the Pods must be below, when the query names one; kind and name go together. */
function underOf(query: ContainersQuery) {
  if ((query.kind === undefined) !== (query.name === undefined))
    throw badRequest('give kind and name together');
  return query.kind && query.name
    ? { group: query.group ?? '', kind: query.kind, namespace: query.namespace ?? '', name: query.name }
    : undefined;
}

/** Log streams one caller holds open at once. */
const MAX_STREAMS_PER_CALLER = 10;

export function registerPodLogRoutes(
  app: FastifyInstance,
  ctx: ServerContext,
  options: { recheckMs?: number } = {},
): void {
  const open = new Set<() => void>();
  const perCaller = new Map<string, number>();
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });
  app.get<{ Params: Params; Querystring: ContainersQuery }>(
    '/api/v1/applications/:name/logs/containers',
    {
      schema: {
        summary:
          'The containers (init ones included) of the Pods the logs route would read, for choosing one; needs logs',
        tags: ['applications'],
        params: NameParams,
        querystring: LogContainersQuery,
        response: { 200: LogContainers },
      },
    },
    async (req) => {
      const under = underOf(req.query);
      const { app: current } = await authorizedApp(ctx, req, req.params.name, 'logs');
      return { items: await appLogContainers(ctx, current, under) };
    },
  );
  app.get<{ Params: Params; Querystring: Query }>(
    '/api/v1/applications/:name/logs',
    {
      schema: {
        summary:
          'Pod logs of the app as JSON lines {pod, container, line} or {pod, container, error}; needs logs',
        tags: ['applications'],
        params: NameParams,
        querystring: LogsQuery,
        produces: ['application/x-ndjson'],
      },
    },
    async (req, reply) => {
      const query = req.query;
      const under = underOf(query);
      const { app: current, identity } = await authorizedApp(ctx, req, req.params.name, 'logs');
      const { destination, sources, notices } = await appLogSources(ctx, current, {
        under,
        container: query.container,
      });
      const key = identity
        ? identity.tokenId
          ? `token:${identity.tokenId}`
          : `${identity.kind}:${identity.subject}`
        : `address:${req.ip}`;
      const held = perCaller.get(key) ?? 0;
      if (held >= MAX_STREAMS_PER_CALLER) {
        throw new HttpError(
          429,
          `${held} log streams are already open for this caller (at most ${MAX_STREAMS_PER_CALLER})`,
        );
      }
      perCaller.set(key, held + 1);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'application/x-ndjson; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        'x-accel-buffering': 'no',
      });
      const abort = new AbortController();
      const timers: NodeJS.Timeout[] = [];
      let closed = false;
      const end = () => {
        if (closed) return;
        closed = true;
        abort.abort();
        for (const timer of timers) clearInterval(timer);
        open.delete(end);
        const left = (perCaller.get(key) ?? 1) - 1;
        if (left > 0) perCaller.set(key, left);
        else perCaller.delete(key);
        if (!res.destroyed) res.end();
      };
      open.add(end);
      req.raw.on('close', end);
      res.on('close', end);
      res.on('error', end);
      // Error texts come from the destination's API server; never let anything token-shaped through.
      const write = (entry: LogEntry) => {
        if (closed || res.destroyed) return;
        const safe = 'error' in entry ? { ...entry, error: maskTokens(entry.error) } : entry;
        res.write(`${JSON.stringify(safe)}\n`);
      };
      for (const notice of notices) write(notice);
      if (sources.length === 0) {
        end();
        return;
      }
      if (query.follow && identity) {
        // A followed log outlives the token that opened it only while the token stays valid.
        const recheck = async () => {
          const now = await ctx.auth.authenticate(req).catch(() => undefined);
          const still = now && now.subject === identity.subject && now.tokenId === identity.tokenId;
          if (!still || !(await ctx.auth.enforce(now, 'applications', 'logs', appObject(current)))) {
            write({ notice: 'the session or token is no longer valid, or may no longer read logs' });
            end();
          }
        };
        timers.push(setInterval(() => void recheck(), options.recheckMs ?? RECHECK_MS));
      }
      streamPodLogs(destination.client.rest, sources, query, write, abort.signal)
        .catch((error: unknown) =>
          write({ notice: `logs ended: ${error instanceof Error ? error.message : error}` }),
        )
        .finally(end);
    },
  );
}

// Operations on an Application, by the domain operations the CLI calls too: sync and rollback
// request an `operation` the controller runs (202: it has not run yet); refresh asks for a
// reconcile.
import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import type { Operation } from '../../core/model/application-status.ts';
import {
  HistoryEntryNotFoundError,
  requestRefresh,
  requestRollback,
  requestSync,
} from '../../domain/app-operations.ts';
import { refuseManualSyncOutsideWindows } from '../../domain/app-windows.ts';
import { audited } from '../access.ts';
import { appObject, authorizedApp } from '../app-access.ts';
import type { ServerContext } from '../context.ts';
import { notFound } from '../http-error.ts';
import { Accepted, NameParams, RollbackRequest, SyncRequest } from '../schemas.ts';

const tags = ['applications'];
type Params = Static<typeof NameParams>;

/** The operation of a sync request; the caller's subject is recorded as who started it. */
export function syncRequestOperation(body: Static<typeof SyncRequest>, username: string): Operation {
  const sync: Operation['sync'] = {};
  if (body.revision !== undefined) sync.revision = body.revision;
  if (body.prune) sync.prune = true;
  if (body.dryRun) sync.dryRun = true;
  if (body.resources && body.resources.length > 0) sync.resources = body.resources;
  if (body.syncOptions && body.syncOptions.length > 0) sync.syncOptions = body.syncOptions;
  return { sync, initiatedBy: { username } };
}

export function registerApplicationActionRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.post<{ Params: Params; Body: Static<typeof SyncRequest> }>(
    '/api/v1/applications/:name/sync',
    {
      schema: {
        summary:
          'Request a sync; the controller runs it (watch the app for the result). 409 while the sync windows refuse a manual sync',
        tags,
        params: NameParams,
        body: SyncRequest,
        response: { 202: Accepted },
      },
    },
    async (req, reply) => {
      const { name } = req.params;
      const { app: current, identity } = await authorizedApp(ctx, req, name, 'sync', { fresh: true });
      const operation = syncRequestOperation(req.body ?? {}, identity?.subject ?? 'anonymous');
      const object = appObject(current);
      await audited(ctx.auth, { identity, action: 'sync', resource: 'applications', object }, async () => {
        await refuseManualSyncOutsideWindows(ctx, current);
        return requestSync(ctx, name, operation);
      });
      reply.code(202);
      return { message: `sync of application "${name}" requested` };
    },
  );

  app.post<{ Params: Params }>(
    '/api/v1/applications/:name/refresh',
    {
      schema: {
        summary: 'Compare the Application with Git and the cluster now',
        tags,
        params: NameParams,
        response: { 202: Accepted },
      },
    },
    async (req, reply) => {
      const { name } = req.params;
      // As in Argo CD, a refresh needs only `get`: it changes nothing but when the app is looked at.
      const { app: current, identity } = await authorizedApp(ctx, req, name, 'get');
      const object = appObject(current);
      await audited(ctx.auth, { identity, action: 'refresh', resource: 'applications', object }, async () => {
        if (ctx.controller?.isActive) ctx.controller.refresh(name);
        else {
          await requestRefresh(ctx, name);
        }
      });
      reply.code(202);
      return { message: `refresh of application "${name}" requested` };
    },
  );

  app.post<{ Params: Params; Body: Static<typeof RollbackRequest> }>(
    '/api/v1/applications/:name/rollback',
    {
      schema: {
        summary: 'Deploy the revision of a history entry again; turns automated sync off',
        tags,
        params: NameParams,
        body: RollbackRequest,
        response: { 202: Accepted },
      },
    },
    async (req, reply) => {
      const { name } = req.params;
      const { id, prune } = req.body;
      const { app: current, identity } = await authorizedApp(ctx, req, name, 'sync', { fresh: true });
      const object = appObject(current);
      const username = identity?.subject ?? 'anonymous';
      const patch = await audited(
        ctx.auth,
        { identity, action: 'rollback', resource: 'applications', object },
        async () => {
          await refuseManualSyncOutsideWindows(ctx, current);
          return requestRollback(ctx, name, { id, prune: prune ?? false, username }).catch(
            (error: unknown) => {
              // The request's field that is wrong, as for a 400.
              throw error instanceof HistoryEntryNotFoundError ? notFound(`id: ${error.message}`) : error;
            },
          );
        },
      );
      const revision = (patch.operation as Operation).sync.revision;
      reply.code(202);
      return { message: `rollback of application "${name}" to history ${id} (${revision}) requested` };
    },
  );
}

// Resource actions of an app's objects (docs/actions.md): list what one offers (needs `get` on
// the app), run one (needs `action/<group>/<kind>/<action>` on the app, audited). Only objects
// the app tracks and its project permits: any other answers as a missing object.
import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { listAppResourceActions, runAppResourceAction } from '../../domain/app-objects/app-actions.ts';
import { audited, authorize } from '../access.ts';
import { appObject, authorizedApp } from '../app-access.ts';
import type { ServerContext } from '../context.ts';
import { NameParams } from '../schemas.ts';
import {
  ResourceActionList,
  ResourceActionRequest,
  ResourceActionResult,
  ResourceQuery,
} from '../schemas-resources.ts';

const tags = ['applications'];
type Params = Static<typeof NameParams>;
type Query = Static<typeof ResourceQuery>;

const keyOfQuery = (query: Query) => ({
  group: query.group ?? '',
  kind: query.kind,
  namespace: query.namespace ?? '',
  name: query.name,
});

export function registerResourceActionRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Params: Params; Querystring: Query }>(
    '/api/v1/applications/:name/resource/actions',
    {
      schema: {
        summary: 'The actions one resource of the app offers now (restart, scale, custom Lua actions)',
        tags,
        params: NameParams,
        querystring: ResourceQuery,
        response: { 200: ResourceActionList },
      },
    },
    async (req) => {
      const { app: current } = await authorizedApp(ctx, req, req.params.name, 'get');
      return listAppResourceActions(ctx, current, keyOfQuery(req.query), ctx.lua);
    },
  );

  app.post<{ Params: Params; Querystring: Query; Body: Static<typeof ResourceActionRequest> }>(
    '/api/v1/applications/:name/resource/actions',
    {
      schema: {
        summary: 'Run an action on one resource of the app; needs action/<group>/<kind>/<action>',
        tags,
        params: NameParams,
        querystring: ResourceQuery,
        body: ResourceActionRequest,
        response: { 200: ResourceActionResult },
      },
    },
    async (req) => {
      const key = keyOfQuery(req.query);
      const { action, params = [] } = req.body;
      // Seeing the app first (404 as for a missing app), then the right to run this action on
      // its objects (403, audited), then whether the object is one it may act on (404).
      const { app: current } = await authorizedApp(ctx, req, req.params.name, 'get');
      const object = appObject(current);
      const rbacAction = `action/${key.group}/${key.kind}/${action}` as const;
      const identity = await authorize(ctx.auth, req, 'applications', rbacAction, object);
      const target = `${key.kind} ${key.namespace ? `${key.namespace}/` : ''}${key.name}`;
      const result = await audited(
        ctx.auth,
        { identity, action: rbacAction, resource: 'applications', object: `${object} ${target}` },
        () => runAppResourceAction(ctx, current, { key, action, params, lua: ctx.lua }),
      );
      return {
        message: result.changed ? `${action} of ${target} done` : `${action} of ${target}: nothing to change`,
        changed: result.changed,
      };
    },
  );
}

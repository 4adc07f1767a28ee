// What the caller may do, asked before showing a button (the web UI hides an Approve the server
// would refuse). The answer is the RBAC decision each route makes itself; it tells nothing about
// whether the object exists, and the routes check again on every call.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { identityOf } from '../access.ts';
import { RBAC_ACTIONS, RBAC_RESOURCES, type RbacAction, type RbacResource } from '../auth/index.ts';
import type { ServerContext } from '../context.ts';

const tags = ['account'];
const CanIQuery = Type.Object({
  resource: Type.Union(RBAC_RESOURCES.map((r) => Type.Literal(r))),
  action: Type.Union([...RBAC_ACTIONS, 'logs'].map((a) => Type.Literal(a))),
  object: Type.String({
    minLength: 1,
    maxLength: 507,
    description: 'A name, or PROJECT/APP for applications.',
  }),
});

export function registerPermissionRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Querystring: { resource: RbacResource; action: RbacAction; object: string } }>(
    '/api/v1/account/can-i',
    {
      schema: {
        summary: 'Whether the caller may do an action on an object (the RBAC decision of the routes)',
        tags,
        querystring: CanIQuery,
        response: { 200: Type.Object({ allowed: Type.Boolean() }) },
      },
    },
    async (req, reply) => {
      const { resource, action, object } = req.query;
      const identity = await identityOf(ctx.auth, req);
      reply.header('cache-control', 'no-store');
      return { allowed: await ctx.auth.enforce(identity, resource, action, object) };
    },
  );
}

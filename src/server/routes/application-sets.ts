// ApplicationSets: read them, and resume or abort a rollout (RBAC resource `applicationsets`;
// the rollout actions need `update`). Writing sets themselves stays with kubectl and Git.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { withoutManagedFields } from '../../core/manifest/object.ts';
import type { ApplicationSet } from '../../core/model/application-set.ts';
import {
  getApplicationSet,
  listApplicationSets,
  requestRolloutAction,
} from '../../domain/application-sets/sets.ts';
import { audited, authorize, authorizeList, filterAllowed } from '../access.ts';
import type { Identity } from '../auth/index.ts';
import type { ServerContext } from '../context.ts';
import { Accepted, NameParams } from '../schemas.ts';

const tags = ['applicationsets'];
const SetObject = Type.Record(Type.String(), Type.Unknown());
const RolloutParams = Type.Object({
  name: Type.String({ minLength: 1 }),
  action: Type.Union([Type.Literal('resume'), Type.Literal('abort')]),
});

/**
 * The set as the caller may see it: only the generated apps they may `get` (as PROJECT/APP, the
 * set's project), so a set view never names another project's apps. When some are hidden, the
 * texts that may name them (conditions' and the rollout's messages, the accepted apps) are too.
 */
async function visibleSet(ctx: ServerContext, identity: Identity | undefined, set: ApplicationSet) {
  const shown = withoutManagedFields(set) as ApplicationSet;
  const entries = set.status?.applicationStatus;
  if (!set.status || !entries) return shown;
  const project = (set.spec.template.spec as { project?: string }).project || 'default';
  const visible = await filterAllowed(
    ctx.decisions,
    identity,
    'applications',
    entries,
    (e) => `${project}/${e.application}`,
  );
  if (visible.length === entries.length) return shown;
  const hidden = 'hidden: it may name applications you may not see';
  const { rollout, conditions } = set.status;
  return {
    ...shown,
    status: {
      ...set.status,
      applicationStatus: visible,
      ...(conditions ? { conditions: conditions.map((c) => ({ ...c, message: hidden })) } : {}),
      ...(rollout
        ? {
            rollout: {
              ...rollout,
              ...(rollout.message ? { message: hidden } : {}),
              ...(rollout.accepted
                ? { accepted: rollout.accepted.filter((a) => visible.some((v) => v.application === a)) }
                : {}),
            },
          }
        : {}),
    },
  };
}

export function registerApplicationSetRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/api/v1/applicationsets',
    {
      schema: {
        summary: 'List ApplicationSets the caller may see',
        tags,
        response: { 200: Type.Object({ items: Type.Array(SetObject) }) },
      },
    },
    async (req) => {
      const identity = await authorizeList(ctx.auth, req, 'applicationsets');
      const sets = await listApplicationSets(ctx);
      const allowed = await filterAllowed(
        ctx.decisions,
        identity,
        'applicationsets',
        sets,
        (s) => s.metadata.name,
      );
      return { items: await Promise.all(allowed.map((set) => visibleSet(ctx, identity, set))) };
    },
  );

  app.get<{ Params: { name: string } }>(
    '/api/v1/applicationsets/:name',
    {
      schema: {
        summary: "Get an ApplicationSet with its rollout and each app's step",
        tags,
        params: NameParams,
        response: { 200: SetObject },
      },
    },
    async (req) => {
      const identity = await authorize(ctx.auth, req, 'applicationsets', 'get', req.params.name);
      return visibleSet(ctx, identity, await getApplicationSet(ctx, req.params.name));
    },
  );

  app.post<{ Params: { name: string; action: 'resume' | 'abort' } }>(
    '/api/v1/applicationsets/:name/rollout/:action',
    {
      schema: {
        summary: "Resume or abort an ApplicationSet's progressive rollout",
        tags,
        params: RolloutParams,
        response: { 202: Accepted },
      },
    },
    async (req, reply) => {
      const { name, action } = req.params;
      const identity = await authorize(ctx.auth, req, 'applicationsets', 'update', name);
      const id = await audited(
        ctx.auth,
        { identity, action: `rollout-${action}`, resource: 'applicationsets', object: name },
        () => requestRolloutAction(ctx, name, action),
      );
      reply.code(202);
      return { message: id };
    },
  );
}

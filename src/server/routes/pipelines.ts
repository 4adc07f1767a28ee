// Pipelines: list, read, create, delete, and the actions on a stage (approve, promote, roll back)
// through the domain operations `tiphys approve`/`promote` use too. Rights are those over the
// Applications involved, checked against each app's own project: seeing a pipeline needs `get` on
// all its apps; acting on a stage needs `sync` on every app of that stage (it changes what they
// run); creating or deleting one needs `update` on all its apps. A pipeline a caller may not see
// answers as a missing one. Every write is audited with who and when.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { withoutManagedFields } from '../../core/manifest/object.ts';
import { API_VERSION } from '../../core/model/common.ts';
import { PIPELINE_KIND, type Pipeline, PipelineSpec } from '../../core/model/pipeline.ts';
import { NotFoundError } from '../../domain/errors.ts';
import {
  approveStage,
  createPipeline,
  deletePipeline,
  getPipeline,
  listPipelines,
  requestPromotion,
} from '../../domain/pipelines.ts';
import { audited, forbidden, identityOf, unauthenticated } from '../access.ts';
import type { Identity, RbacAction } from '../auth/index.ts';
import type { ServerContext } from '../context.ts';
import { badRequest, notFound } from '../http-error.ts';
import { mayOnApps, maySeePipeline, pipelineAppObjects, pipelineApps } from '../pipeline-access.ts';
import { Accepted, NameParams } from '../schemas.ts';

const tags = ['pipelines'];
const Name = NameParams.properties.name;
const StageParams = Type.Object({
  name: Name,
  stage: Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 40 }),
});
const FreightBody = Type.Object(
  { freight: Type.Optional(Type.String({ pattern: '^[0-9a-f]{1,64}$' })) },
  { additionalProperties: false },
);
const PipelineBody = Type.Object(
  {
    metadata: Type.Object({ name: Name, namespace: Type.Optional(Type.String()) }),
    spec: PipelineSpec,
  },
  { additionalProperties: false },
);
type StageReq = { Params: Static<typeof StageParams>; Body: Static<typeof FreightBody> | undefined };

export function registerPipelineRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const objects = (pipeline: Pipeline, names: readonly string[]) => pipelineAppObjects(ctx, pipeline, names);
  const allApps = pipelineApps;
  const may = (identity: Identity | undefined, action: RbacAction, list: string[]) =>
    mayOnApps(ctx, identity, action, list);

  /**
   * The pipeline if the caller may see it and do `action` on `names` (default all its apps).
   * Not seeing it answers 404 like a missing one; seeing it but not acting is a 403.
   */
  const authorized = async (
    req: FastifyRequest,
    name: string,
    action: RbacAction,
    names?: (p: Pipeline) => string[],
  ) => {
    const identity = await identityOf(ctx.auth, req);
    const pipeline = await getPipeline(ctx, name).catch((error: unknown) => {
      if (error instanceof NotFoundError && !identity) throw unauthenticated();
      throw error;
    });
    if (!(await maySeePipeline(ctx, identity, pipeline))) {
      if (!identity) throw unauthenticated();
      throw notFound(`pipeline "${name}" not found in namespace ${ctx.namespace}`);
    }
    const targets = objects(pipeline, names ? names(pipeline) : allApps(pipeline));
    if (action !== 'get' && !(await may(identity, action, targets))) {
      const object = `${pipeline.spec.project}/pipeline:${name}`;
      ctx.auth.audit({ identity, action, resource: 'applications', object, result: 'denied' });
      if (!identity) throw unauthenticated();
      throw forbidden(
        identity,
        'applications',
        action,
        `${targets.join(', ')} (stage apps of pipeline ${name})`,
      );
    }
    return { pipeline, identity };
  };
  /**
   * Approving is its own right: `approve` on `pipelines`, object PROJECT/PIPELINE/STAGE. Sync on
   * the stage's apps does not give it (the person who deploys is not the one who signs off), and
   * it does not need sync (a release manager may approve what others deploy).
   */
  const approver = async (req: FastifyRequest, name: string, stage: string) => {
    const { pipeline, identity } = await authorized(req, name, 'get');
    const object = `${pipeline.spec.project}/${name}/${stage}`;
    if (!(await ctx.auth.enforce(identity, 'pipelines', 'approve', object))) {
      ctx.auth.audit({
        identity,
        action: 'approve',
        resource: 'pipelines',
        object: `${pipeline.spec.project}/pipeline:${name}/${stage}`,
        result: 'denied',
      });
      if (!identity) throw unauthenticated();
      throw forbidden(identity, 'pipelines', 'approve', object);
    }
    return { pipeline, identity };
  };
  const stageApps = (stage: string) => (p: Pipeline) =>
    p.spec.stages.find((s) => s.name === stage)?.applications ?? [];

  app.get(
    '/api/v1/pipelines',
    { schema: { summary: 'List the pipelines the caller may see', tags } },
    async (req) => {
      const identity = await identityOf(ctx.auth, req);
      const items = [];
      for (const pipeline of await listPipelines(ctx)) {
        if (await maySeePipeline(ctx, identity, pipeline)) items.push(withoutManagedFields(pipeline));
      }
      if (
        !identity &&
        items.length === 0 &&
        !(await ctx.auth.enforce(undefined, 'applications', 'get', '*/*'))
      ) {
        throw unauthenticated();
      }
      return { items };
    },
  );

  app.get<{ Params: Static<typeof NameParams> }>(
    '/api/v1/pipelines/:name',
    { schema: { summary: 'A pipeline with its stages, gates and history', tags, params: NameParams } },
    async (req) => withoutManagedFields((await authorized(req, req.params.name, 'get')).pipeline),
  );

  app.post<{ Body: Static<typeof PipelineBody> }>(
    '/api/v1/pipelines',
    {
      schema: {
        summary: 'Create a pipeline (its apps must belong to its project)',
        tags,
        body: PipelineBody,
      },
    },
    async (req, reply) => {
      const { metadata, spec } = req.body;
      if (metadata.namespace && metadata.namespace !== ctx.namespace) {
        throw badRequest(`metadata.namespace: Pipelines live in namespace ${ctx.namespace}`);
      }
      const pipeline: Pipeline = {
        apiVersion: API_VERSION,
        kind: PIPELINE_KIND,
        metadata: { name: metadata.name, namespace: ctx.namespace },
        spec,
      };
      const identity = await identityOf(ctx.auth, req);
      const targets = objects(pipeline, allApps(pipeline));
      const object = `${spec.project}/pipeline:${metadata.name}`;
      if (!(await may(identity, 'update', targets))) {
        ctx.auth.audit({ identity, action: 'create', resource: 'applications', object, result: 'denied' });
        if (!identity) throw unauthenticated();
        throw forbidden(
          identity,
          'applications',
          'update',
          `${targets.join(', ')} (apps of pipeline ${metadata.name})`,
        );
      }
      const created = await audited(
        ctx.auth,
        { identity, action: 'create', resource: 'applications', object },
        () => createPipeline(ctx, pipeline),
      );
      reply.code(201);
      return withoutManagedFields(created);
    },
  );

  app.delete<{ Params: Static<typeof NameParams> }>(
    '/api/v1/pipelines/:name',
    { schema: { summary: 'Delete a pipeline (what runs stays as it is)', tags, params: NameParams } },
    async (req) => {
      const { pipeline, identity } = await authorized(req, req.params.name, 'update');
      const object = `${pipeline.spec.project}/pipeline:${req.params.name}`;
      await audited(ctx.auth, { identity, action: 'delete', resource: 'applications', object }, () =>
        deletePipeline(ctx, req.params.name),
      );
      return { message: `pipeline "${req.params.name}" deleted` };
    },
  );

  const stageAction = (
    verb: 'approve' | 'promote' | 'rollback',
    summary: string,
    run: (pipeline: Pipeline, req: FastifyRequest<StageReq>, by: string) => Promise<string>,
  ) =>
    app.post<StageReq>(
      `/api/v1/pipelines/:name/stages/:stage/${verb}`,
      { schema: { summary, tags, params: StageParams, body: FreightBody, response: { 202: Accepted } } },
      async (req, reply) => {
        const { name, stage } = req.params;
        const { pipeline, identity } =
          verb === 'approve'
            ? await approver(req, name, stage)
            : await authorized(req, name, 'sync', stageApps(stage));
        const object = `${pipeline.spec.project}/pipeline:${name}/${stage}`;
        const by = identity?.subject ?? 'anonymous';
        const message = await audited(
          ctx.auth,
          { identity, action: verb, resource: verb === 'approve' ? 'pipelines' : 'applications', object },
          () => run(pipeline, req, by),
        );
        reply.code(202);
        return { message };
      },
    );

  stageAction(
    'approve',
    'Approve the freight waiting at a stage (default) or a named one',
    async (pipeline, req, by) => {
      const approval = await approveStage(ctx, pipeline.metadata.name, {
        stage: req.params.stage,
        freight: req.body?.freight,
        by,
      });
      return `freight ${approval.freight} approved for stage ${approval.stage} by ${approval.by}`;
    },
  );
  stageAction(
    'promote',
    'Promote into a stage now (its gates must pass); the controller writes the commit',
    async (pipeline, req, by) => {
      await requestPromotion(ctx, pipeline.metadata.name, {
        kind: 'promote',
        stage: req.params.stage,
        freight: req.body?.freight,
        by,
      });
      return `promotion to stage ${req.params.stage} of pipeline "${pipeline.metadata.name}" requested`;
    },
  );
  stageAction(
    'rollback',
    'Roll a stage back to a freight it verified before (a commit)',
    async (pipeline, req, by) => {
      await requestPromotion(ctx, pipeline.metadata.name, {
        kind: 'rollback',
        stage: req.params.stage,
        freight: req.body?.freight,
        by,
      });
      return `rollback of stage ${req.params.stage} to ${req.body?.freight} requested`;
    },
  );
}

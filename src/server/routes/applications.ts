// Applications: list (filtered to what the caller may see), create, get, replace, delete.
import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { withoutManagedFields } from '../../core/manifest/object.ts';
import type { Application } from '../../core/model/application.ts';
import { API_VERSION } from '../../core/model/common.ts';
import { RESOURCES_FINALIZER, requestDelete } from '../../domain/app-operations.ts';
import { createApplication, replaceApplication } from '../../domain/applications.ts';
import { assertProjectPermits, assertValidApplication } from '../../domain/project-admission.ts';
import { audited, authorize, authorizeList, filterAllowed } from '../access.ts';
import { appObject, authorizedApp } from '../app-access.ts';
import { applicationFilter, paginate, projectOf, sortByName } from '../app-query.ts';
import type { ServerContext } from '../context.ts';
import { badRequest } from '../http-error.ts';
import {
  Accepted,
  ApplicationBody,
  ApplicationList,
  ApplicationListQuery,
  Application as ApplicationSchema,
  DeleteQuery,
  NameParams,
} from '../schemas.ts';

const tags = ['applications'];
type Body = Static<typeof ApplicationBody>;
type Params = Static<typeof NameParams>;

/** The Application to write from a request body, checked as the CLI checks it. */
export function applicationFromBody(ctx: ServerContext, body: Body): Application {
  if (body.metadata.namespace && body.metadata.namespace !== ctx.namespace) {
    throw badRequest(`metadata.namespace: Applications live in namespace ${ctx.namespace}`);
  }
  const { name, labels, annotations, finalizers } = body.metadata;
  const app: Application = {
    apiVersion: API_VERSION,
    kind: 'Application',
    metadata: {
      name,
      namespace: ctx.namespace,
      ...(labels ? { labels } : {}),
      ...(annotations ? { annotations } : {}),
      ...(finalizers ? { finalizers } : {}),
    },
    spec: body.spec,
  };
  assertValidApplication(app, { allowLocalRepos: ctx.allowLocalRepos });
  return app;
}

export function registerApplicationRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Querystring: Static<typeof ApplicationListQuery> }>(
    '/api/v1/applications',
    {
      schema: {
        summary: 'List Applications the caller may see',
        tags,
        querystring: ApplicationListQuery,
        response: { 200: ApplicationList },
      },
    },
    async (req) => {
      const identity = await authorizeList(ctx.auth, req, 'applications', '*/*');
      const matches = applicationFilter(req.query);
      const candidates = ctx.apps.list().filter(matches);
      const allowed = await filterAllowed(ctx.decisions, identity, 'applications', candidates, appObject);
      const page = paginate(sortByName(allowed), req.query.limit, req.query.offset);
      return { items: page.map(withoutManagedFields), total: allowed.length };
    },
  );

  app.post<{ Body: Body }>(
    '/api/v1/applications',
    {
      schema: {
        summary: 'Create an Application',
        tags,
        body: ApplicationBody,
        response: { 201: ApplicationSchema },
      },
    },
    async (req, reply) => {
      const desired = applicationFromBody(ctx, req.body);
      const object = appObject(desired);
      const identity = await authorize(ctx.auth, req, 'applications', 'create', object);
      const created = await audited(
        ctx.auth,
        { identity, action: 'create', resource: 'applications', object },
        async () => {
          await assertProjectPermits(ctx, desired);
          return createApplication(ctx, desired);
        },
      );
      reply.code(201);
      return withoutManagedFields(created);
    },
  );

  app.get<{ Params: Params }>(
    '/api/v1/applications/:name',
    {
      schema: {
        summary: 'Get an Application',
        tags,
        params: NameParams,
        response: { 200: ApplicationSchema },
      },
    },
    async (req) => withoutManagedFields((await authorizedApp(ctx, req, req.params.name, 'get')).app),
  );

  app.put<{ Params: Params; Body: Body }>(
    '/api/v1/applications/:name',
    {
      schema: {
        summary: "Replace an Application's spec, labels and annotations",
        tags,
        params: NameParams,
        body: ApplicationBody,
        response: { 200: ApplicationSchema },
      },
    },
    async (req) => {
      const { name } = req.params;
      if (req.body.metadata.name !== name) {
        throw badRequest(`metadata.name: "${req.body.metadata.name}" does not match the path (${name})`);
      }
      const desired = applicationFromBody(ctx, req.body);
      const { app: current, identity } = await authorizedApp(ctx, req, name, 'update', { fresh: true });
      // Moving an app to another project needs the right to put it there as well.
      if (projectOf(desired) !== projectOf(current)) {
        await authorize(ctx.auth, req, 'applications', 'update', appObject(desired));
      }
      const object = appObject(current);
      const replaced: Application = {
        ...current,
        metadata: {
          ...current.metadata,
          // A replace: labels and annotations are what the body says (absent: none).
          labels: desired.metadata.labels,
          annotations: desired.metadata.annotations,
          resourceVersion: req.body.metadata.resourceVersion ?? current.metadata.resourceVersion,
        },
        spec: desired.spec,
      };
      const updated = await audited(
        ctx.auth,
        { identity, action: 'update', resource: 'applications', object },
        async () => {
          await assertProjectPermits(ctx, desired);
          return replaceApplication(ctx, replaced);
        },
      );
      return withoutManagedFields(updated);
    },
  );

  app.delete<{ Params: Params; Querystring: Static<typeof DeleteQuery> }>(
    '/api/v1/applications/:name',
    {
      schema: {
        summary:
          'Delete an Application; with cascade (the default) the controller deletes its resources first',
        tags,
        params: NameParams,
        querystring: DeleteQuery,
        response: { 200: Accepted },
      },
    },
    async (req) => {
      const { name } = req.params;
      const cascade = req.query.cascade ?? true;
      const { app: current, identity } = await authorizedApp(ctx, req, name, 'delete', { fresh: true });
      const object = appObject(current);
      await audited(ctx.auth, { identity, action: 'delete', resource: 'applications', object }, () =>
        requestDelete(ctx, name, cascade),
      );
      return {
        message: cascade
          ? `application "${name}" is being deleted; the controller deletes its resources first (${RESOURCES_FINALIZER})`
          : `application "${name}" deleted; its resources are left in the cluster`,
      };
    },
  );
}

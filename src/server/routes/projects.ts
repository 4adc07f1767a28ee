// AppProjects: what groups of Applications may deploy, from where, to where; read and written by
// the domain operations `tiphys proj` uses too.
import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { withoutManagedFields } from '../../core/manifest/object.ts';
import type { AppProject } from '../../core/model/app-project.ts';
import { API_VERSION } from '../../core/model/common.ts';
import { NotFoundError } from '../../domain/errors.ts';
import { windowsOf } from '../../domain/project-windows.ts';
import {
  assertValidProject,
  createProject,
  deleteProject,
  getProject,
  listProjects,
  replaceProject,
} from '../../domain/projects.ts';
import { audited, authorize, authorizeList, filterAllowed, identityOf, unauthenticated } from '../access.ts';
import type { ServerContext } from '../context.ts';
import { badRequest } from '../http-error.ts';
import {
  Accepted,
  AppProject as AppProjectSchema,
  NameParams,
  ProjectBody,
  ProjectList,
  ProjectWindows,
} from '../schemas.ts';

const tags = ['projects'];
type Body = Static<typeof ProjectBody>;
type Params = Static<typeof NameParams>;

function projectFromBody(ctx: ServerContext, body: Body): AppProject {
  if (body.metadata.namespace && body.metadata.namespace !== ctx.namespace) {
    throw badRequest(`metadata.namespace: AppProjects live in namespace ${ctx.namespace}`);
  }
  const { name, labels, annotations } = body.metadata;
  const project: AppProject = {
    apiVersion: API_VERSION,
    kind: 'AppProject',
    metadata: {
      name,
      namespace: ctx.namespace,
      ...(labels ? { labels } : {}),
      ...(annotations ? { annotations } : {}),
    },
    spec: body.spec,
  };
  assertValidProject(project);
  return project;
}

export function registerProjectRoutes(app: FastifyInstance, ctx: ServerContext): void {
  /** The project if the caller may act on it; a missing one is a 401 to an anonymous caller. */
  const authorizedProject = async (
    req: Parameters<typeof identityOf>[1],
    name: string,
    action: 'get' | 'update' | 'delete',
  ) => {
    const project = await getProject(ctx, name).catch(async (error: unknown) => {
      if (error instanceof NotFoundError && !(await identityOf(ctx.auth, req))) {
        if (!(await ctx.auth.enforce(undefined, 'projects', action, name))) throw unauthenticated();
      }
      throw error;
    });
    const identity = await authorize(ctx.auth, req, 'projects', action, name);
    return { project, identity };
  };

  app.get(
    '/api/v1/projects',
    { schema: { summary: 'List AppProjects the caller may see', tags, response: { 200: ProjectList } } },
    async (req) => {
      const identity = await authorizeList(ctx.auth, req, 'projects');
      const projects = await listProjects(ctx);
      const allowed = await filterAllowed(
        ctx.decisions,
        identity,
        'projects',
        projects,
        (p) => p.metadata.name,
      );
      return { items: allowed.map(withoutManagedFields) };
    },
  );

  app.post<{ Body: Body }>(
    '/api/v1/projects',
    {
      schema: {
        summary: 'Create an AppProject',
        tags,
        body: ProjectBody,
        response: { 201: AppProjectSchema },
      },
    },
    async (req, reply) => {
      const project = projectFromBody(ctx, req.body);
      const object = project.metadata.name;
      const identity = await authorize(ctx.auth, req, 'projects', 'create', object);
      const created = await audited(
        ctx.auth,
        { identity, action: 'create', resource: 'projects', object },
        () => createProject(ctx, project),
      );
      reply.code(201);
      return withoutManagedFields(created);
    },
  );

  app.get<{ Params: Params }>(
    '/api/v1/projects/:name',
    {
      schema: { summary: 'Get an AppProject', tags, params: NameParams, response: { 200: AppProjectSchema } },
    },
    async (req) => withoutManagedFields((await authorizedProject(req, req.params.name, 'get')).project),
  );

  app.get<{ Params: Params }>(
    '/api/v1/projects/:name/windows',
    {
      schema: {
        summary: "An AppProject's sync windows now: which are open, when the others open",
        tags,
        params: NameParams,
        response: { 200: ProjectWindows },
      },
    },
    async (req) => windowsOf((await authorizedProject(req, req.params.name, 'get')).project, new Date()),
  );

  app.put<{ Params: Params; Body: Body }>(
    '/api/v1/projects/:name',
    {
      schema: {
        summary: "Replace an AppProject's spec, labels and annotations",
        tags,
        params: NameParams,
        body: ProjectBody,
        response: { 200: AppProjectSchema },
      },
    },
    async (req) => {
      const { name } = req.params;
      if (req.body.metadata.name !== name) {
        throw badRequest(`metadata.name: "${req.body.metadata.name}" does not match the path (${name})`);
      }
      const desired = projectFromBody(ctx, req.body);
      const { project: current, identity } = await authorizedProject(req, name, 'update');
      const replaced: AppProject = {
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
        { identity, action: 'update', resource: 'projects', object: name },
        () => replaceProject(ctx, replaced),
      );
      return withoutManagedFields(updated);
    },
  );

  app.delete<{ Params: Params }>(
    '/api/v1/projects/:name',
    {
      schema: {
        summary: 'Delete an AppProject that no Application uses',
        tags,
        params: NameParams,
        response: { 200: Accepted },
      },
    },
    async (req) => {
      const { name } = req.params;
      const { identity } = await authorizedProject(req, name, 'delete');
      await audited(ctx.auth, { identity, action: 'delete', resource: 'projects', object: name }, () =>
        deleteProject(ctx, name),
      );
      return { message: `project "${name}" deleted` };
    },
  );
}

// Git repository credentials, registered by the domain operations `tiphys repo add` uses too.
// Passwords and keys are write-only: a response says only whether there are credentials.
import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import {
  addRepository,
  deleteRepositories,
  listRepositories,
  type RepositoryInput,
  type RepositoryView,
  repositoryName,
  repositorySecretData,
  repositorySecretName,
} from '../../domain/repositories.ts';
import { audited, authorize, authorizeList, filterAllowed, identityOf, unauthenticated } from '../access.ts';
import type { ServerContext } from '../context.ts';
import { badRequest, notFound } from '../http-error.ts';
import {
  Accepted,
  NameParams,
  RepositoryCreate,
  RepositoryList,
  RepositoryView as ViewSchema,
} from '../schemas.ts';

const tags = ['repositories'];
type View = Static<typeof ViewSchema>;

/** What a response shows of a repository; `name` is what DELETE and RBAC go by. */
export function repositoryApiView(view: RepositoryView): View {
  return {
    url: view.url,
    name: repositoryName(view),
    username: view.username,
    hasCredentials: view.credentials !== 'none',
    insecure: view.insecure,
  };
}

/** What a POST registers; the domain checks the rest (a bad combination is a 400). */
export function repositoryInputFromBody(body: Static<typeof RepositoryCreate>): RepositoryInput {
  if (body.sshPrivateKey !== undefined && (body.username !== undefined || body.password !== undefined)) {
    throw badRequest('sshPrivateKey: give either username/password or sshPrivateKey, not both');
  }
  const { url, name, username, password, sshPrivateKey, insecure, sshKnownHosts, sshAcceptNewHostKey } = body;
  return { url, name, username, password, sshPrivateKey, insecure, sshKnownHosts, sshAcceptNewHostKey };
}

export function registerRepositoryRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get(
    '/api/v1/repositories',
    {
      schema: {
        summary: 'List repositories with credentials (never the credentials)',
        tags,
        response: { 200: RepositoryList },
      },
    },
    async (req) => {
      const identity = await authorizeList(ctx.auth, req, 'repositories');
      const views = (await listRepositories(ctx)).map(repositoryApiView);
      return { items: await filterAllowed(ctx.decisions, identity, 'repositories', views, (v) => v.name) };
    },
  );

  app.post<{ Body: Static<typeof RepositoryCreate> }>(
    '/api/v1/repositories',
    {
      schema: {
        summary: 'Store credentials for a repository URL (and every URL it is a prefix of)',
        tags,
        body: RepositoryCreate,
        response: { 201: ViewSchema },
      },
    },
    async (req, reply) => {
      const input = repositoryInputFromBody(req.body);
      repositorySecretData(input); // bad input is a 400 before anything else is asked
      const object = repositorySecretName(input.url, input.name).replace(/^repo-/, '');
      const identity = await authorize(ctx.auth, req, 'repositories', 'create', object);
      const { view } = await audited(
        ctx.auth,
        { identity, action: 'create', resource: 'repositories', object },
        () => addRepository(ctx, input, { replace: false }),
      );
      reply.code(201);
      return repositoryApiView(view);
    },
  );

  app.delete<{ Params: Static<typeof NameParams> }>(
    '/api/v1/repositories/:name',
    {
      schema: {
        summary: 'Delete the credentials of a repository',
        tags,
        params: NameParams,
        response: { 200: Accepted },
      },
    },
    async (req) => {
      const { name } = req.params;
      const found = (await listRepositories(ctx)).filter((view) => repositoryName(view) === name);
      if (found.length === 0) {
        if (
          !(await identityOf(ctx.auth, req)) &&
          !(await ctx.auth.enforce(undefined, 'repositories', 'delete', name))
        ) {
          throw unauthenticated();
        }
        throw notFound(`repository "${name}" not found in namespace ${ctx.namespace}`);
      }
      const identity = await authorize(ctx.auth, req, 'repositories', 'delete', name);
      await audited(ctx.auth, { identity, action: 'delete', resource: 'repositories', object: name }, () =>
        deleteRepositories(ctx, found),
      );
      return { message: `repository "${name}" removed` };
    },
  );
}

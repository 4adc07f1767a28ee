// Git repository credentials, one labelled Secret each (as `tiphys repo add` writes them).
// Passwords and keys are write-only: a response says only whether there are credentials.
import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { SECRET_TYPE_LABEL, secretPath, upsertSecret } from '../../cli/kube-context.ts';
import { CliError } from '../../cli/output.ts';
import { repoSecretData, repoSecretName, repoView } from '../../cli/repo.ts';
import { PART_OF_LABEL } from '../../core/model/common.ts';
import { audited, authorize, authorizeList, filterAllowed, identityOf, unauthenticated } from '../access.ts';
import { kubeGet, type ServerContext } from '../context.ts';
import { badRequest, conflict, notFound } from '../http-error.ts';
import { Accepted, NameParams, RepositoryCreate, RepositoryList, RepositoryView } from '../schemas.ts';

const tags = ['repositories'];
const REPOSITORY = 'repository';
type View = Static<typeof RepositoryView>;

interface SecretObject {
  metadata: { name: string };
  data?: Record<string, string>;
}

/** What a response shows of a repository Secret; `name` is what DELETE and RBAC go by. */
export function repositoryView(secret: SecretObject): View {
  const view = repoView(secret);
  return {
    url: view.url,
    name: view.name || secret.metadata.name.replace(/^repo-/, ''),
    username: view.username,
    hasCredentials: view.credentials !== 'none',
    insecure: view.insecure,
  };
}

/** The Secret data of a POST, checked by the CLI's own rules (a CliError is the caller's mistake). */
export function repositoryDataFromBody(body: Static<typeof RepositoryCreate>): Record<string, string> {
  if (body.sshPrivateKey !== undefined && (body.username !== undefined || body.password !== undefined)) {
    throw badRequest('sshPrivateKey: give either username/password or sshPrivateKey, not both');
  }
  try {
    const data = repoSecretData(body.url, {
      username: body.username,
      password: body.password,
      insecure: body.insecure,
      name: body.name,
    });
    if (body.sshPrivateKey !== undefined) data.sshPrivateKey = body.sshPrivateKey;
    return data;
  } catch (error) {
    if (error instanceof CliError) throw badRequest(error.message.replaceAll('--', ''));
    throw error;
  }
}

export function registerRepositoryRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const cli = { rest: ctx.rest, namespace: ctx.namespace, output: 'json' as const };
  const listSecrets = async () =>
    (
      await kubeGet<{ items: SecretObject[] }>(ctx, secretPath(ctx.namespace), {
        labelSelector: `${SECRET_TYPE_LABEL}=${REPOSITORY}`,
      })
    ).items;

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
      const views = (await listSecrets()).map(repositoryView).sort((a, b) => (a.url < b.url ? -1 : 1));
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
        response: { 201: RepositoryView },
      },
    },
    async (req, reply) => {
      const data = repositoryDataFromBody(req.body);
      const secretName = repoSecretName(req.body.url, req.body.name);
      const object = secretName.replace(/^repo-/, '');
      const identity = await authorize(ctx.auth, req, 'repositories', 'create', object);
      await audited(ctx.auth, { identity, action: 'create', resource: 'repositories', object }, async () => {
        const taken = (await listSecrets()).find((s) => repoView(s).url === req.body.url);
        if (taken)
          throw conflict(
            `repository ${req.body.url} is already registered (as ${repositoryView(taken).name})`,
          );
        const labels = { [SECRET_TYPE_LABEL]: REPOSITORY, ...PART_OF_LABEL };
        await upsertSecret(cli, secretName, labels, data, false).catch((error: unknown) => {
          throw error instanceof CliError ? conflict(error.message) : error;
        });
      });
      reply.code(201);
      const encoded = Object.fromEntries(
        Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      );
      return repositoryView({ metadata: { name: secretName }, data: encoded });
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
      const secrets = (await listSecrets()).filter((s) => repositoryView(s).name === name);
      if (secrets.length === 0) {
        if (
          !(await identityOf(ctx.auth, req)) &&
          !(await ctx.auth.enforce(undefined, 'repositories', 'delete', name))
        ) {
          throw unauthenticated();
        }
        throw notFound(`repository "${name}" not found in namespace ${ctx.namespace}`);
      }
      const identity = await authorize(ctx.auth, req, 'repositories', 'delete', name);
      await audited(
        ctx.auth,
        { identity, action: 'delete', resource: 'repositories', object: name },
        async () => {
          for (const secret of secrets) {
            await ctx.rest
              .request('DELETE', secretPath(ctx.namespace, secret.metadata.name))
              .catch((error: unknown) => {
                if ((error as { status?: number }).status !== 404) throw error;
              });
          }
        },
      );
      return { message: `repository "${name}" removed` };
    },
  );
}

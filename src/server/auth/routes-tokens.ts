// /api/v1/account/tokens: API tokens for CI. A token is either the caller's own (their subject and
// groups) or a project role's (`proj:PROJECT:ROLE`, with only that role's policies). The token is
// in the creation response and nowhere else; only its owner or an account admin sees or revokes it.
import type { FastifyInstance } from 'fastify';
import { statusOf } from '../../adapters/control-plane/document-store.ts';
import { TIPHYS_GROUP, TIPHYS_VERSION } from '../../core/model/common.ts';
import type { ApiTokenRecord } from './api-tokens.ts';
import { type AuthContext, sendError } from './context.ts';
import { projectRoleSubject } from './rbac-policy.ts';
import { unavailable } from './routes-session.ts';
import type { Identity } from './types.ts';

const PROJECT_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const ROLE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const MAX_EXPIRES_IN = 10 * 365 * 24 * 60 * 60;
const MAX_DESCRIPTION = 256;
/**
 * A personal token made from a single sign-on session carries the groups the identity provider
 * granted at that moment; without an expiry it would outlive the provider removing the person
 * or their groups. It lasts a week unless the request says otherwise.
 */
export const SSO_TOKEN_DEFAULT_SECONDS = 7 * 24 * 60 * 60;

interface CreateBody {
  project?: unknown;
  role?: unknown;
  expiresIn?: unknown;
  description?: unknown;
}

function view(record: ApiTokenRecord) {
  return {
    id: record.id,
    owner: record.owner,
    subject: record.subject,
    ...(record.project ? { project: record.project, role: record.role } : {}),
    ...(record.description ? { description: record.description } : {}),
    createdAt: new Date(record.createdAt * 1000).toISOString(),
    ...(record.expiresAt ? { expiresAt: new Date(record.expiresAt * 1000).toISOString() } : {}),
  };
}

/** The input problem, or undefined when the body is acceptable. */
function invalid(body: CreateBody): string | undefined {
  const { project, role, expiresIn, description } = body;
  if ((project === undefined) !== (role === undefined))
    return 'project and role go together: give both or neither';
  if (project !== undefined && (typeof project !== 'string' || !PROJECT_NAME.test(project))) {
    return 'project must be a project name';
  }
  if (role !== undefined && (typeof role !== 'string' || !ROLE_NAME.test(role)))
    return 'role must be a role name';
  if (
    expiresIn !== undefined &&
    (typeof expiresIn !== 'number' ||
      !Number.isInteger(expiresIn) ||
      expiresIn < 1 ||
      expiresIn > MAX_EXPIRES_IN)
  ) {
    return `expiresIn must be a whole number of seconds from 1 to ${MAX_EXPIRES_IN}`;
  }
  if (
    description !== undefined &&
    (typeof description !== 'string' || description.length > MAX_DESCRIPTION)
  ) {
    return `description must be a string of at most ${MAX_DESCRIPTION} characters`;
  }
  return undefined;
}

async function projectHasRole(ctx: AuthContext, project: string, role: string): Promise<boolean | undefined> {
  const path = `/apis/${TIPHYS_GROUP}/${TIPHYS_VERSION}/namespaces/${encodeURIComponent(ctx.namespace)}/appprojects/${encodeURIComponent(project)}`;
  try {
    const found = await ctx.rest.request<{ spec?: { roles?: { name: string }[] } }>('GET', path);
    return (found.spec?.roles ?? []).some((r) => r.name === role);
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

export function registerTokenRoutes(app: FastifyInstance, ctx: AuthContext): void {
  const mayManage = async (identity: Identity, record: ApiTokenRecord, action: 'update' | 'delete') =>
    record.owner === identity.subject || (await ctx.enforce(identity, 'accounts', action, record.owner));

  app.post('/api/v1/account/tokens', async (req, reply) => {
    const identity = await ctx.authenticate(req);
    if (!identity) return sendError(reply, 401, 'log in first (POST /api/v1/session or /auth/login)');
    const body = (req.body ?? {}) as CreateBody;
    const problem = typeof body === 'object' ? invalid(body) : 'the body must be a JSON object';
    if (problem) return sendError(reply, 400, problem);
    const project = body.project as string | undefined;
    const role = body.role as string | undefined;
    const description = body.description as string | undefined;
    const audit = (
      result: 'success' | 'denied' | 'error',
      message?: string,
      object = project ?? identity.subject,
    ) => ctx.audit({ identity, action: 'create-token', resource: 'accounts', object, result, message });
    try {
      let fields: Omit<ApiTokenRecord, 'id' | 'createdAt' | 'expiresAt'>;
      if (project && role) {
        if (!(await ctx.enforce(identity, 'projects', 'update', project))) {
          audit('denied');
          return sendError(
            reply,
            403,
            `a token for project ${project} needs permission to update that project`,
          );
        }
        const hasRole = await projectHasRole(ctx, project, role);
        if (hasRole === undefined) return sendError(reply, 404, `project ${project} not found`);
        if (!hasRole) return sendError(reply, 404, `project ${project} has no role ${role}`);
        const subject = projectRoleSubject(project, role);
        fields = { owner: identity.subject, subject, groups: [], project, role, description };
        // The role's policies must be in force for the new token's first request.
        ctx.policy.invalidate();
      } else {
        if (identity.kind === 'token') {
          audit('denied', 'personal token from a token');
          return sendError(reply, 403, 'an API token cannot create personal tokens; log in to create one');
        }
        fields = { owner: identity.subject, subject: identity.subject, groups: identity.groups, description };
      }
      const personalFromSso = identity.kind === 'sso' && fields.subject === identity.subject;
      const expiresIn =
        (body.expiresIn as number | undefined) ?? (personalFromSso ? SSO_TOKEN_DEFAULT_SECONDS : undefined);
      const { record, token } = await ctx.tokens.create(ctx.signingKey, fields, expiresIn);
      audit('success', `token ${record.id}`);
      const expiresAt = view(record).expiresAt;
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({ id: record.id, token, ...(expiresAt ? { expiresAt } : {}) });
    } catch (error) {
      audit('error');
      return unavailable(reply, 'cannot create the token', error);
    }
  });

  app.get('/api/v1/account/tokens', async (req, reply) => {
    const identity = await ctx.authenticate(req);
    if (!identity) return sendError(reply, 401, 'log in first (POST /api/v1/session or /auth/login)');
    try {
      const items = [];
      for (const record of await ctx.tokens.list()) {
        if (await mayManage(identity, record, 'update')) items.push(view(record));
      }
      return reply.header('cache-control', 'no-store').send({ items });
    } catch (error) {
      return unavailable(reply, 'cannot list tokens', error);
    }
  });

  app.delete<{ Params: { id: string } }>('/api/v1/account/tokens/:id', async (req, reply) => {
    const identity = await ctx.authenticate(req);
    if (!identity) return sendError(reply, 401, 'log in first (POST /api/v1/session or /auth/login)');
    const { id } = req.params;
    const audit = (result: 'success' | 'denied' | 'error') =>
      ctx.audit({ identity, action: 'delete-token', resource: 'accounts', object: id, result });
    try {
      const record = await ctx.tokens.get(id);
      if (!record) return sendError(reply, 404, `token ${id} not found (or already expired)`);
      if (!(await mayManage(identity, record, 'delete'))) {
        audit('denied');
        return sendError(reply, 403, 'only the token owner or an account admin may revoke it');
      }
      await ctx.tokens.remove(id);
      audit('success');
      return reply.send({});
    } catch (error) {
      audit('error');
      return unavailable(reply, 'cannot revoke the token', error);
    }
  });
}

// POST /api/v1/applications/{name}/image: `tiphys image set` through the API server. Setting the
// image an app deploys changes what it runs, so it needs `update` on the app (checked against its
// own project, audited); the commit goes through the project-scoped write-back with the control
// namespace's repository credentials, never the caller's.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type Static, Type } from 'typebox';
import { RepoCredentialStore } from '../../adapters/control-plane/repo-credential-store.ts';
import { GitWriter } from '../../adapters/git/commit-edit.ts';
import { GitError } from '../../adapters/git/errors.ts';
import { parseImageAssignment } from '../../core/image/assignment.ts';
import { InvalidImageReferenceError } from '../../core/image/reference.ts';
import { YamlEditError } from '../../core/image/yaml-edit.ts';
import { setApplicationImage } from '../../domain/images/set-image.ts';
import type { WriteBackDeps } from '../../domain/write-back.ts';
import { audited } from '../access.ts';
import { appObject, authorizedApp } from '../app-access.ts';
import type { ServerContext } from '../context.ts';
import { HttpError } from '../http-error.ts';
import { NameParams } from '../schemas.ts';

const SetImageRequest = Type.Object(
  {
    set: Type.String({ maxLength: 1024, description: 'IMAGE=TAG or IMAGE=TAG@sha256:…' }),
    dryRun: Type.Optional(Type.Boolean({ description: 'Return the diff; commit nothing.' })),
    valuePath: Type.Optional(
      Type.String({
        maxLength: 256,
        pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$',
        description:
          'Helm apps: the dotted path of the values field holding the tag (default: every image map naming IMAGE).',
      }),
    ),
  },
  { additionalProperties: false },
);
const SetImageResponse = Type.Object({
  outcome: Type.String(),
  repoURL: Type.String(),
  branch: Type.String(),
  file: Type.String(),
  commit: Type.Optional(Type.String()),
  diff: Type.String(),
});

export function registerApplicationImageRoutes(app: FastifyInstance, ctx: ServerContext): void {
  let writeBack: WriteBackDeps | undefined;
  const deps = (): WriteBackDeps => {
    if (!writeBack) {
      const credentials = new RepoCredentialStore(ctx.kubeConfig, ctx.namespace);
      writeBack = {
        writer: new GitWriter({
          workDir: mkdtempSync(join(tmpdir(), 'tiphys-server-write-back-')),
          allowLocalRepos: ctx.allowLocalRepos,
        }),
        credentialsFor: (url) => credentials.forUrl(url),
      };
    }
    return writeBack;
  };

  app.post<{ Params: Static<typeof NameParams>; Body: Static<typeof SetImageRequest> }>(
    '/api/v1/applications/:name/image',
    {
      schema: {
        summary:
          "Commit an image tag to the app's kustomization, Helm values or marked fields in Git (tiphys image set)",
        tags: ['applications'],
        params: NameParams,
        body: SetImageRequest,
        response: { 200: SetImageResponse },
      },
    },
    async (req) => {
      const { name } = req.params;
      let set: ReturnType<typeof parseImageAssignment>;
      try {
        set = parseImageAssignment(req.body.set);
      } catch (error) {
        throw new HttpError(400, (error as Error).message);
      }
      const { app: current, identity } = await authorizedApp(ctx, req, name, 'update', { fresh: true });
      const object = appObject(current);
      return audited(
        ctx.auth,
        { identity, action: 'set-image', resource: 'applications', object },
        async () => {
          try {
            return await setApplicationImage(ctx, deps(), name, set, identity?.subject ?? 'anonymous', {
              dryRun: req.body.dryRun,
              valuePath: req.body.valuePath,
            });
          } catch (error) {
            if (error instanceof YamlEditError || error instanceof InvalidImageReferenceError)
              throw new HttpError(400, error.message);
            // Git's messages here name the repository and cause, never a credential.
            if (error instanceof GitError) throw new HttpError(502, error.message);
            throw error;
          }
        },
      );
    },
  );
}

// What an Application looks like in its cluster: the resource tree, one resource's live and
// desired manifests, the diff a sync would apply, and the Kubernetes Events of its objects.
import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import { validateRevision } from '../../adapters/git/validate.ts';
import { maskSecret } from '../../core/diff/index.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import { withoutManagedFields } from '../../core/manifest/object.ts';
import { resourceTree } from '../../domain/app-objects/live-objects.ts';
import { visibilityOf } from '../../domain/app-objects/visibility.ts';
import { getAppWindows } from '../../domain/app-windows.ts';
import { authorizedApp } from '../app-access.ts';
import type { ServerContext } from '../context.ts';
import { HttpError } from '../http-error.ts';
import { applicationEvents, appManifests } from '../live-state.ts';
import {
  AppDiff,
  AppWindows,
  EventList,
  Manifests,
  ManifestsQuery,
  NameParams,
  PreviewRequest,
  ResourceTree,
} from '../schemas.ts';

const tags = ['applications'];
type Params = Static<typeof NameParams>;

/** What a manifest response may show of an object: no managed fields, Secret values masked. */
export function presentable(obj: KubeObject | undefined): KubeObject | undefined {
  return obj === undefined ? undefined : withoutManagedFields(maskSecret(obj));
}

export function registerApplicationViewRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get<{ Params: Params }>(
    '/api/v1/applications/:name/resource-tree',
    {
      schema: {
        summary: 'Managed objects and their children (by ownerReferences), with health and sync status',
        tags,
        params: NameParams,
        response: { 200: ResourceTree },
      },
    },
    async (req) => {
      const { app: current } = await authorizedApp(ctx, req, req.params.name, 'get');
      return { nodes: await resourceTree(ctx, current) };
    },
  );

  app.get<{ Params: Params; Querystring: Static<typeof ManifestsQuery> }>(
    '/api/v1/applications/:name/manifests',
    {
      schema: {
        summary: 'Live and desired manifest of one resource of the app (Secrets masked)',
        tags,
        params: NameParams,
        querystring: ManifestsQuery,
        response: { 200: Manifests },
      },
    },
    async (req) => {
      const { app: current } = await authorizedApp(ctx, req, req.params.name, 'get');
      const key = {
        group: req.query.group ?? '',
        kind: req.query.kind,
        namespace: req.query.namespace ?? '',
        name: req.query.name,
      };
      const { live, desired } = await appManifests(ctx, current, key);
      return { live: presentable(live), desired: presentable(desired) };
    },
  );

  app.get<{ Params: Params }>(
    '/api/v1/applications/:name/diff',
    {
      schema: {
        summary: 'What a sync would change, per resource, as unified diffs (Secrets masked)',
        tags,
        params: NameParams,
        response: { 200: AppDiff },
      },
    },
    async (req) => {
      const { app: current } = await authorizedApp(ctx, req, req.params.name, 'get');
      return ctx.renderer.diff(current, await visibilityOf(ctx, current));
    },
  );

  // A POST because the revision is the request's input, but like the diff it changes nothing:
  // it needs only `get` on the app, and the project checks every object the branch renders.
  app.post<{ Params: Params; Body: Static<typeof PreviewRequest> }>(
    '/api/v1/applications/:name/preview',
    {
      schema: {
        summary: "What merging a revision of the app's repository would change (Secrets masked)",
        tags,
        params: NameParams,
        body: PreviewRequest,
        response: { 200: AppDiff },
      },
    },
    async (req) => {
      const { app: current } = await authorizedApp(ctx, req, req.params.name, 'get');
      // A revision Git could read as an option or no ref can be named is the request's fault.
      try {
        validateRevision(req.body.revision);
      } catch (error) {
        throw new HttpError(400, (error as Error).message);
      }
      return ctx.renderer.diff(current, await visibilityOf(ctx, current), req.body.revision);
    },
  );

  app.get<{ Params: Params }>(
    '/api/v1/applications/:name/windows',
    {
      schema: {
        summary:
          "The project's sync windows that concern the app, and whether a manual or automated sync may start now",
        tags,
        params: NameParams,
        response: { 200: AppWindows },
      },
    },
    async (req) => {
      const { app: current } = await authorizedApp(ctx, req, req.params.name, 'get');
      return getAppWindows(ctx, current);
    },
  );

  app.get<{ Params: Params }>(
    '/api/v1/applications/:name/events',
    {
      schema: {
        summary: 'Kubernetes Events of the Application and of its objects',
        tags,
        params: NameParams,
        response: { 200: EventList },
      },
    },
    async (req) => {
      const { app: current } = await authorizedApp(ctx, req, req.params.name, 'get');
      return { items: await applicationEvents(ctx, current) };
    },
  );
}

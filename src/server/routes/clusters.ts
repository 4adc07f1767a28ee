// Clusters Applications deploy to, registered by the domain operations `tiphys cluster add` uses
// too: credentials go in a Secret the Cluster resource points at; responses show name, server,
// labels and connection only.
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import { KubeApiError } from '../../adapters/kube/rest.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import { type Cluster, ClusterSecretKey } from '../../core/model/cluster.ts';
import { clusterKubeconfigProblems } from '../../core/model/cluster-kubeconfig.ts';
import { IN_CLUSTER } from '../../core/model/common.ts';
import { changeClusterLabels } from '../../domain/cluster-labels.ts';
import { approveClusterRecovery } from '../../domain/cluster-recovery.ts';
import { clusterResource, registerCluster, unregisterCluster } from '../../domain/clusters.ts';
import { audited, authorize, authorizeList, filterAllowed, identityOf, unauthenticated } from '../access.ts';
import { kubeGet, type ServerContext, tiphysResourcePath } from '../context.ts';
import { badRequest, notFound } from '../http-error.ts';
import {
  Accepted,
  ClusterCreate,
  ClusterLabelsPatch,
  ClusterList,
  ClusterView,
  EventList,
  NameParams,
} from '../schemas.ts';

const tags = ['clusters'];
type View = Static<typeof ClusterView>;
type Create = Static<typeof ClusterCreate>;

/** The only fields of a Cluster a response shows: never its credentials or where they are. */
export function clusterView(cluster: Cluster): View {
  return {
    name: cluster.metadata.name,
    server: cluster.spec.server,
    labels: cluster.metadata.labels ?? {},
    ...(cluster.status?.connection ? { connection: cluster.status.connection } : {}),
    ...(cluster.status?.health ? { health: cluster.status.health } : {}),
    ...(cluster.status?.recovery ? { recovery: cluster.status.recovery } : {}),
    ...(cluster.status?.conditions ? { conditions: cluster.status.conditions } : {}),
    ...(cluster.status?.serverVersion ? { serverVersion: cluster.status.serverVersion } : {}),
    ...(cluster.status?.cacheInfo ? { cacheInfo: cluster.status.cacheInfo } : {}),
    ...(cluster.status?.applicationsCount !== undefined
      ? { applicationsCount: cluster.status.applicationsCount }
      : {}),
    // Masked of the services' secrets before the controller wrote them.
    ...(cluster.status?.notifications ? { notifications: cluster.status.notifications } : {}),
  };
}

/** The server URL and Secret data of a POST; checked so a bad combination is a 400. */
export function clusterCredentialsFromBody(body: Create): { server: string; data: Record<string, string> } {
  if (body.name === IN_CLUSTER)
    throw badRequest(`name: ${IN_CLUSTER} is the control cluster; it needs no registration`);
  if (body.kubeconfig !== undefined) {
    if (body.bearerToken !== undefined || body.caData !== undefined || body.insecure !== undefined) {
      throw badRequest(
        'kubeconfig: give either kubeconfig, or server with bearerToken/caData/insecure, not both',
      );
    }
    const problems = clusterKubeconfigProblems(body.kubeconfig);
    if (problems.length > 0) throw badRequest(problems.join('; '));
    const kc = new KubeConfig();
    try {
      kc.loadFromString(body.kubeconfig);
    } catch (error) {
      throw badRequest(
        `kubeconfig: not a kubeconfig (${error instanceof Error ? error.message.split('\n')[0] : ''})`,
      );
    }
    const server = kc.getCurrentCluster()?.server;
    if (!server || !/^https?:\/\//.test(server))
      throw badRequest('kubeconfig: its current context names no cluster server');
    if (body.server !== undefined && body.server.replace(/\/$/, '') !== server.replace(/\/$/, '')) {
      throw badRequest(`server: ${body.server} is not the server of the kubeconfig's current context`);
    }
    return { server: server.replace(/\/$/, ''), data: { [ClusterSecretKey.kubeconfig]: body.kubeconfig } };
  }
  if (body.server === undefined) throw badRequest('server: is required (or give a kubeconfig)');
  const data: Record<string, string> = {};
  if (body.bearerToken !== undefined) data[ClusterSecretKey.bearerToken] = body.bearerToken;
  if (body.caData !== undefined) data[ClusterSecretKey.caData] = body.caData;
  if (body.insecure) data[ClusterSecretKey.insecure] = 'true';
  return { server: body.server.replace(/\/$/, ''), data };
}

async function readCluster(ctx: ServerContext, name: string): Promise<Cluster | undefined> {
  try {
    return await kubeGet<Cluster>(ctx, tiphysResourcePath(ctx, 'clusters', name));
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return undefined;
    throw error;
  }
}

function inClusterView(ctx: ServerContext): View {
  return { name: IN_CLUSTER, server: ctx.kubeConfig.getCurrentCluster()?.server ?? '', labels: {} };
}

export function registerClusterRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const viewOf = async (req: FastifyRequest, name: string, action: 'get' | 'delete' | 'update') => {
    const cluster = name === IN_CLUSTER ? undefined : await readCluster(ctx, name);
    if (name !== IN_CLUSTER && !cluster) {
      if (
        !(await identityOf(ctx.auth, req)) &&
        !(await ctx.auth.enforce(undefined, 'clusters', action, name))
      ) {
        throw unauthenticated();
      }
      throw notFound(`cluster "${name}" not found in namespace ${ctx.namespace}`);
    }
    const identity = await authorize(ctx.auth, req, 'clusters', action, name);
    return { cluster, identity };
  };

  app.get(
    '/api/v1/clusters',
    {
      schema: {
        summary: 'List clusters the caller may see (in-cluster first)',
        tags,
        response: { 200: ClusterList },
      },
    },
    async (req) => {
      const identity = await authorizeList(ctx.auth, req, 'clusters');
      const list = await kubeGet<{ items: Cluster[] }>(ctx, tiphysResourcePath(ctx, 'clusters'));
      const views = [
        inClusterView(ctx),
        ...list.items.map(clusterView).sort((a, b) => (a.name < b.name ? -1 : 1)),
      ];
      return { items: await filterAllowed(ctx.decisions, identity, 'clusters', views, (v) => v.name) };
    },
  );

  app.post<{ Body: Create }>(
    '/api/v1/clusters',
    {
      schema: {
        summary: 'Register a cluster; its credentials are write-only',
        tags,
        body: ClusterCreate,
        response: { 201: ClusterView },
      },
    },
    async (req, reply) => {
      const body = req.body;
      const { server, data } = clusterCredentialsFromBody(body);
      const registration = { name: body.name, server, labels: body.labels, credentials: data };
      clusterResource(ctx.namespace, registration); // bad input is a 400 before anything else is asked
      const identity = await authorize(ctx.auth, req, 'clusters', 'create', body.name);
      const { cluster: created } = await audited(
        ctx.auth,
        { identity, action: 'create', resource: 'clusters', object: body.name },
        () => registerCluster(ctx, registration, { replace: false }),
      );
      reply.code(201);
      return clusterView(created);
    },
  );

  app.get<{ Params: Static<typeof NameParams> }>(
    '/api/v1/clusters/:name',
    { schema: { summary: 'Get a cluster', tags, params: NameParams, response: { 200: ClusterView } } },
    async (req) => {
      const { cluster } = await viewOf(req, req.params.name, 'get');
      return cluster ? clusterView(cluster) : inClusterView(ctx);
    },
  );

  app.get<{ Params: Static<typeof NameParams> }>(
    '/api/v1/clusters/:name/events',
    {
      schema: {
        summary: "Kubernetes Events of a Cluster: its health and its recovery's steps, oldest first",
        tags,
        params: NameParams,
        response: { 200: EventList },
      },
    },
    async (req) => {
      const { name } = req.params;
      await viewOf(req, name, 'get');
      if (name === IN_CLUSTER) return { items: [] };
      // The controller's Events carry masked messages only (docs/recovery.md, Secrets).
      const list = await kubeGet<{ items: KubeObject[] }>(
        ctx,
        `/api/v1/namespaces/${encodeURIComponent(ctx.namespace)}/events`,
        { fieldSelector: `involvedObject.kind=Cluster,involvedObject.name=${name}` },
      );
      const time = (e: KubeObject) => String(e.lastTimestamp ?? e.eventTime ?? '');
      return { items: list.items.sort((a, b) => time(a).localeCompare(time(b))) };
    },
  );

  app.patch<{ Params: Static<typeof NameParams>; Body: Static<typeof ClusterLabelsPatch> }>(
    '/api/v1/clusters/:name/labels',
    {
      schema: {
        summary: 'Set (a string) or remove (null) labels of a registered cluster',
        tags,
        params: NameParams,
        body: ClusterLabelsPatch,
        response: { 200: ClusterView },
      },
    },
    async (req) => {
      const { name } = req.params;
      const identity = await authorize(ctx.auth, req, 'clusters', 'update', name);
      const cluster = await audited(
        ctx.auth,
        { identity, action: 'update', resource: 'clusters', object: name },
        () => changeClusterLabels(ctx, name, req.body.labels),
      );
      return clusterView(cluster);
    },
  );

  app.delete<{ Params: Static<typeof NameParams> }>(
    '/api/v1/clusters/:name',
    {
      schema: {
        summary: 'Unregister a cluster no Application deploys to, and delete its credentials',
        tags,
        params: NameParams,
        response: { 200: Accepted },
      },
    },
    async (req) => {
      const { name } = req.params;
      const { identity } = await viewOf(req, name, 'delete');
      await audited(ctx.auth, { identity, action: 'delete', resource: 'clusters', object: name }, () =>
        unregisterCluster(ctx, name, { force: false }),
      );
      return { message: `cluster "${name}" removed` };
    },
  );

  app.post<{ Params: Static<typeof NameParams> }>(
    '/api/v1/clusters/:name/recovery/approve',
    {
      schema: {
        summary: 'Approve the recovery of a lost cluster whose policy is in approve mode',
        tags,
        params: NameParams,
        response: { 200: Accepted },
      },
    },
    async (req) => {
      const { name } = req.params;
      const { identity } = await viewOf(req, name, 'update');
      const by = identity ? `${identity.kind}:${identity.subject}` : 'anonymous';
      const { incident } = await audited(
        ctx.auth,
        { identity, action: 'approve-recovery', resource: 'clusters', object: name },
        () => approveClusterRecovery(ctx, name, by),
      );
      return { message: `recovery of cluster "${name}" (lost at ${incident}) approved` };
    },
  );
}

// `tiphys server`'s HTTP application: the v1 API of docs/api.md, the OpenAPI document, live
// updates, webhooks, metrics and the web UI, on one Fastify instance.
import type { KubeConfig } from '@kubernetes/client-node';
import Fastify, { type FastifyInstance } from 'fastify';
import { prepareCacheDir } from '../adapters/cache-dir.ts';
import { ApplicationStore } from '../adapters/control-plane/application-store.ts';
import { DestinationRegistry } from '../adapters/control-plane/destination-registry.ts';
import { PipelineWatch } from '../adapters/control-plane/pipeline-watch.ts';
import { LuaHealthRuntime } from '../adapters/health/lua-runtime.ts';
import { KubeRest } from '../adapters/kube/rest.ts';
import { type RenderTools, resolveTools } from '../adapters/render/render.ts';
import type { GitProvider } from '../core/webhook/push-event.ts';
import { AppEventHub } from './app-events.ts';
import { crossSiteRefusal } from './auth/csrf.ts';
import type { AuthService } from './auth/index.ts';
import type { ApplicationSource, EmbeddedController, ServerContext } from './context.ts';
import { GetDecisionCache } from './decision-cache.ts';
import { errorHandler } from './http-error.ts';
import { ServerMetrics } from './metrics.ts';
import { collectRoutes, methodsOf, openApiDocument } from './openapi.ts';
import { PipelineEventHub, type PipelineSource } from './pipeline-events.ts';
import { RenderService } from './render-service.ts';
import { type RequestLogEntry, registerRequestLog } from './request-log.ts';
import { registerApplicationActionRoutes } from './routes/application-actions.ts';
import { registerApplicationImageRoutes } from './routes/application-image.ts';
import { registerApplicationSetRoutes } from './routes/application-sets.ts';
import { registerApplicationViewRoutes } from './routes/application-views.ts';
import { registerApplicationRoutes } from './routes/applications.ts';
import { registerClusterRoutes } from './routes/clusters.ts';
import { registerPermissionRoutes } from './routes/permissions.ts';
import { registerPipelineRoutes } from './routes/pipelines.ts';
import { registerPodLogRoutes } from './routes/pod-logs.ts';
import { registerProjectRoutes } from './routes/projects.ts';
import { registerRegistryWebhookRoutes } from './routes/registry-webhook.ts';
import { registerRepositoryRoutes } from './routes/repositories.ts';
import { registerResourceActionRoutes } from './routes/resource-actions.ts';
import { registerStreamRoutes } from './routes/stream.ts';
import { registerSystemRoutes, registerWebhookRoutes } from './routes/system.ts';
import { DEFAULT_UI_DIR, registerStaticUi } from './static-ui.ts';
import { typeboxValidatorCompiler } from './validation.ts';

export interface ServerOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  auth: AuthService;
  /** The controller running in this process: its informer serves the reads, refresh goes to it. */
  controller?: EmbeddedController;
  /** Reads of Applications; default the controller's informer, else one of the server's own. */
  apps?: ApplicationSource;
  /** Changes of Pipelines for the live stream; default a watch of the server's own, started lazily. */
  pipelines?: PipelineSource;
  /** The built web UI; default ui/dist of the repository. */
  uiDir?: string;
  webhookSecrets?: Partial<Record<GitProvider, string>>;
  /** Shared secret of registry notifications (POST /webhook/registry); without one they are refused. */
  registryWebhookSecret?: string;
  /** helm and kustomize, for the desired manifests and diffs; default from the environment. */
  tools?: RenderTools;
  /** Where Git mirrors for diffs live (private to this user); default a fresh private folder. */
  cacheDir?: string;
  /** Applications may use file:// URLs and local paths (local development and tests only). */
  allowLocalRepos?: boolean;
  /** Namespaced mode: read live objects only in these namespaces of the control cluster. */
  namespaces?: string[];
  /** Serve HTTPS with this certificate and key (PEM). */
  https?: { cert: string | Buffer; key: string | Buffer };
  log?: (line: string) => void;
  /** The access log: one entry per answered request (`tiphys server` writes them with pino). */
  requestLog?: (entry: RequestLogEntry) => void;
  /** SSE heartbeat interval (tests shorten it). */
  heartbeatMs?: number;
  /** How often an open SSE stream checks its caller's token again (tests shorten it). */
  streamRecheckMs?: number;
  /** Live-update streams one caller may hold at once. */
  maxStreamsPerCaller?: number;
  /**
   * Behind a TLS-terminating proxy (`--trust-proxy`): believe the X-Forwarded-Proto, -Host and
   * -For headers its immediate peer sends (cookies become Secure, the client address is the one
   * the proxy saw). Off by default, since any client could send them.
   */
  trustProxy?: boolean;
  /**
   * The sandboxed VM of custom action scripts (closed with the server); default one with the
   * default limits. Tests pass one with other limits.
   */
  lua?: LuaHealthRuntime;
}

/** Only the immediate peer (the proxy) is believed: addresses a client put in X-Forwarded-For are not. */
const trustImmediatePeer = (_address: string, hop: number) => hop === 0;

/** Sent with every response, the UI's pages included: no framing (clickjacking), no sniffing. */
const SECURITY_HEADERS = {
  'content-security-policy': "frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
} as const;

/** Git providers post these without a session; their shared secret is their proof. */
const WEBHOOK_PATH = /^\/(api\/)?webhook(\/|$|\?)/;

/**
 * Builds the server (not listening yet). When neither a controller nor `apps` is given it starts
 * an Application informer of its own and stops it on close.
 */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const log = options.log ?? (() => {});
  // Names may be 253 characters (Fastify's default stops path parameters at 100).
  const settings = {
    logger: false,
    bodyLimit: 5 * 1024 * 1024,
    routerOptions: { maxParamLength: 300 },
    ...(options.trustProxy ? { trustProxy: trustImmediatePeer } : {}),
  } as const;
  // The HTTPS variant of Fastify is another instance type; routes see the same interface.
  const app = options.https
    ? (Fastify({ ...settings, https: options.https }) as unknown as FastifyInstance)
    : Fastify(settings);
  app.setValidatorCompiler(typeboxValidatorCompiler);
  // Response schemas document the API; serialising through them would drop fields they do not list.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.setErrorHandler(errorHandler(log));
  const routes = collectRoutes(app);
  // On the raw response, so that streams that write it themselves (SSE) carry them too.
  app.addHook('onRequest', async (_req, reply) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.raw.setHeader(name, value);
  });
  // Before the body is read: a refused write never reaches a handler.
  app.addHook('onRequest', async (req, reply) => {
    if (WEBHOOK_PATH.test(req.url)) return;
    const refusal = crossSiteRefusal(req);
    if (!refusal) return;
    log(`refused a cross-site ${req.method} ${req.url.split('?')[0]}: ${refusal.message}`);
    return reply.code(refusal.status).header('cache-control', 'no-store').send({ error: refusal.message });
  });
  // A known path with a method it does not have: 405 naming the ones it has, before any body is
  // read (so even a QUERY or TRACE gets a clean answer).
  app.addHook('onRequest', async (req, reply) => {
    if (!req.is404) return;
    const path = req.url.split('?')[0];
    const methods = methodsOf(routes, path);
    if (methods.length === 0) return;
    return reply
      .code(405)
      .header('allow', methods.join(', '))
      .send({ error: `${req.method} ${path}: not allowed; use ${methods.join(', ')}` });
  });

  let ownStore: ApplicationStore | undefined;
  let apps = options.apps ?? options.controller?.apps;
  if (!apps) {
    ownStore = new ApplicationStore(options.kubeConfig, options.namespace);
    await ownStore.start();
    apps = ownStore;
  }
  const rest = new KubeRest(options.kubeConfig);
  const lua = options.lua ?? new LuaHealthRuntime();
  const cacheDir = prepareCacheDir(options.cacheDir, 'server');
  const destinations = new DestinationRegistry(options.kubeConfig, options.namespace, () => () => {}, {
    inClusterNamespaces: options.namespaces,
  });
  const ctx: ServerContext = {
    kubeConfig: options.kubeConfig,
    namespace: options.namespace,
    rest,
    auth: options.auth,
    decisions: new GetDecisionCache(options.auth),
    apps,
    controller: options.controller,
    destinations,
    renderer: new RenderService({
      kubeConfig: options.kubeConfig,
      namespace: options.namespace,
      rest,
      destinations,
      tools: options.tools ?? resolveTools(),
      cacheDir: cacheDir.path,
      allowLocalRepos: options.allowLocalRepos,
    }),
    appEvents: new AppEventHub(apps),
    pipelineEvents: new PipelineEventHub(
      options.pipelines ?? new PipelineWatch(options.kubeConfig, options.namespace),
      log,
    ),
    lua,
    log,
    allowLocalRepos: options.allowLocalRepos ?? false,
  };
  app.addHook('onClose', async () => {
    await ownStore?.stop();
    await ctx.pipelineEvents.stop();
    await destinations.stop();
    rest.close();
    lua.close();
    cacheDir.remove();
  });

  const metrics = new ServerMetrics({ processMetrics: !options.controller });
  metrics.instrument(app);
  if (options.requestLog) registerRequestLog(app, options.requestLog);
  options.auth.registerRoutes(app);
  registerApplicationRoutes(app, ctx);
  registerApplicationActionRoutes(app, ctx);
  registerApplicationImageRoutes(app, ctx);
  registerApplicationViewRoutes(app, ctx);
  registerResourceActionRoutes(app, ctx);
  registerPodLogRoutes(app, ctx, { recheckMs: options.streamRecheckMs });
  registerStreamRoutes(app, ctx, {
    heartbeatMs: options.heartbeatMs,
    recheckMs: options.streamRecheckMs,
    maxPerCaller: options.maxStreamsPerCaller,
  });
  registerProjectRoutes(app, ctx);
  registerApplicationSetRoutes(app, ctx);
  registerPipelineRoutes(app, ctx);
  registerClusterRoutes(app, ctx);
  registerPermissionRoutes(app, ctx);
  registerRepositoryRoutes(app, ctx);
  registerSystemRoutes(app, ctx, metrics);
  registerWebhookRoutes(app, ctx, options.webhookSecrets ?? {});
  registerRegistryWebhookRoutes(app, ctx, options.registryWebhookSecret);
  let document: Record<string, unknown> | undefined;
  app.get(
    '/api/openapi.json',
    { schema: { summary: 'This document (OpenAPI 3.1)', tags: ['system'] } },
    async () => {
      document ??= openApiDocument(routes);
      return document;
    },
  );
  await registerStaticUi(app, options.uiDir ?? DEFAULT_UI_DIR);
  return app;
}

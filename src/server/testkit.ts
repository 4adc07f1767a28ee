// For the server's unit tests: an in-memory Application source, an AuthService whose tokens and
// policy a test writes as data, a server built on them against a cluster that is never reached
// (writes fail, but validation and authorization answer before any write), and a client of its
// live streams (Server-Sent Events) that keeps what arrived.
import assert from 'node:assert/strict';
import { get, type IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Application } from '../core/model/application.ts';
import type { Pipeline } from '../core/model/pipeline.ts';
import { buildServer } from './app.ts';
import type { AuditInput, AuthService, Identity, RbacAction, RbacResource } from './auth/index.ts';
import type { ApplicationSource } from './context.ts';
import type { PipelineEventListener, PipelineSource } from './pipeline-events.ts';

export class MemoryApps implements ApplicationSource {
  private readonly apps = new Map<string, Application>();
  private readonly callbacks: ((name: string, app: Application | undefined) => void)[] = [];

  list(): Application[] {
    return [...this.apps.values()];
  }

  get(name: string): Application | undefined {
    return this.apps.get(name);
  }

  onChange(callback: (name: string, app: Application | undefined) => void): void {
    this.callbacks.push(callback);
  }

  set(app: Application): void {
    this.apps.set(app.metadata.name, app);
    for (const callback of this.callbacks) callback(app.metadata.name, app);
  }

  delete(name: string): void {
    this.apps.delete(name);
    for (const callback of this.callbacks) callback(name, undefined);
  }
}

/** Pipelines a test changes by hand; `started` says whether anyone asked to watch them. */
export class MemoryPipelines implements PipelineSource {
  private readonly pipelines = new Map<string, Pipeline>();
  private readonly callbacks: PipelineEventListener[] = [];
  started = false;

  onChange(callback: PipelineEventListener): void {
    this.callbacks.push(callback);
  }

  async start(): Promise<void> {
    this.started = true;
  }

  async stop(): Promise<void> {}

  set(pipeline: Pipeline): void {
    const type = this.pipelines.has(pipeline.metadata.name) ? 'MODIFIED' : 'ADDED';
    this.pipelines.set(pipeline.metadata.name, pipeline);
    for (const callback of this.callbacks) callback({ type, pipeline });
  }

  delete(name: string): void {
    const pipeline = this.pipelines.get(name);
    if (!pipeline) return;
    this.pipelines.delete(name);
    for (const callback of this.callbacks) callback({ type: 'DELETED', pipeline });
  }
}

export function testApp(
  name: string,
  overrides: Partial<Application['spec']> = {},
  extra: Partial<Application> = {},
): Application {
  return {
    apiVersion: 'tiphys.dev/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'tiphys' },
    spec: {
      source: { repoURL: 'https://git.example.com/config.git', path: name },
      destination: { namespace: name },
      ...overrides,
    },
    ...extra,
  };
}

export type Rule = (resource: RbacResource, action: RbacAction, object: string) => boolean;

/**
 * Bearer tokens map to identities; each identity's rights are a rule. `admin` may do anything,
 * `reader` may get anything, anonymous callers nothing.
 */
export class FakeAuth implements AuthService {
  readonly audits: AuditInput[] = [];
  readonly identities = new Map<string, { identity: Identity; rule: Rule }>([
    ['admin-token', { identity: { subject: 'admin', groups: [], kind: 'local' }, rule: () => true }],
    [
      'reader-token',
      { identity: { subject: 'reader', groups: [], kind: 'token' }, rule: (_r, a) => a === 'get' },
    ],
  ]);
  anonymousRule: Rule = () => false;

  async authenticate(req: FastifyRequest): Promise<Identity | undefined> {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    return token ? this.identities.get(token)?.identity : undefined;
  }

  async enforce(identity: Identity | undefined, resource: RbacResource, action: RbacAction, object: string) {
    if (!identity) return this.anonymousRule(resource, action, object);
    const entry = [...this.identities.values()].find((e) => e.identity === identity);
    return entry?.rule(resource, action, object) ?? false;
  }

  registerRoutes(_app: FastifyInstance): void {}

  audit(event: AuditInput): void {
    this.audits.push(event);
  }

  close(): void {}
}

/** A KubeConfig for a server nobody listens on: any call to it fails fast. */
export function unreachableKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'none', server: 'https://127.0.0.1:9', skipTLSVerify: true }],
    users: [{ name: 'none' }],
    contexts: [{ name: 'none', cluster: 'none', user: 'none' }],
    currentContext: 'none',
  });
  return kc;
}

export async function testServer(
  options: {
    apps?: MemoryApps;
    pipelines?: MemoryPipelines;
    auth?: FakeAuth;
    heartbeatMs?: number;
    streamRecheckMs?: number;
    maxStreamsPerCaller?: number;
  } = {},
) {
  const apps = options.apps ?? new MemoryApps();
  const auth = options.auth ?? new FakeAuth();
  const server = await buildServer({
    kubeConfig: unreachableKubeConfig(),
    namespace: 'tiphys',
    auth,
    apps,
    pipelines: options.pipelines ?? new MemoryPipelines(),
    uiDir: '/nonexistent-ui',
    heartbeatMs: options.heartbeatMs,
    streamRecheckMs: options.streamRecheckMs,
    maxStreamsPerCaller: options.maxStreamsPerCaller,
  });
  return { server, apps, auth };
}

export const asAdmin = { authorization: 'Bearer admin-token' };
export const asReader = { authorization: 'Bearer reader-token' };

/** Opens a live stream (SSE) as `token`'s owner; `read()` is all the text received so far. */
export function openStream(
  url: string,
  token?: string,
): Promise<{ res: IncomingMessage; read: () => string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      resolve({ res, read: () => text });
    });
    req.on('error', reject);
  });
}

/** A generous limit for observable state, never a claim about speed (a loaded CI machine). */
export const PATIENCE_MS = 30_000;

/** Waits until `check` holds, or fails naming `what`. */
export async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + PATIENCE_MS;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

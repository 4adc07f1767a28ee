// The testbed's image registry: Debian's docker-registry (the CNCF distribution registry) on
// 127.0.0.1, serving TLS with a certificate of the testbed CA, behind htpasswd (bcrypt) basic
// auth. `startRegistry()` gives a test its own; `npm run testbed -- registry up` keeps one
// running for development (named-registry.ts).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureTestbedCa, issueCertificate } from './ca.ts';
import { Component, ownComponent } from './component.ts';
import { ensureDebianPackages, htpasswdPackage, registryPackage } from './debian-packages.ts';
import { runCommand } from './host-command.ts';
import { freePorts } from './ports.ts';

export interface StartRegistryOptions {
  /** Keep files here (the CLI's registry); default: a new temp folder removed on stop. */
  dir?: string;
  /** Leave the registry running after this process exits (the CLI's `registry up`). */
  keepAlive?: boolean;
  /** The port to listen on (the CLI's registry keeps its port across restarts); default: a free one. */
  port?: number;
  log?: (line: string) => void;
  /**
   * Send the registry's push notifications here (distribution's `notifications:` endpoint), with
   * `Authorization: Bearer <secret>`; pulls and blob events are left out.
   */
  notifications?: { url: string; secret: string };
  /** Write an access log line per request to registry.log (benchmarks count requests). */
  accessLog?: boolean;
  /**
   * Token auth (distribution's `auth.token`: a 401 with `WWW-Authenticate: Bearer realm,service,
   * scope`, then JWTs signed by a key whose certificate chains to `rootCertBundle`) instead of
   * htpasswd; the test runs the token service at `realm`.
   */
  tokenAuth?: { realm: string; service: string; issuer: string; rootCertBundle: string };
  /** Serve this storage folder (another registry's `data`, e.g. images pushed with basic auth). */
  storageDir?: string;
}

/** What `state.json` of a registry holds (mode 0600: it has the password). */
export interface RegistryState {
  dir: string;
  temporary: boolean;
  port: number;
  username: string;
  password: string;
  caPath: string;
  pid: number | undefined;
}

export class TestRegistry {
  /** `127.0.0.1:<port>`: the registry part of an image reference. */
  readonly host: string;
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  /** The testbed CA's certificate (PEM file) that signed the registry's. */
  readonly caPath: string;
  readonly username: string;
  readonly password: string;
  readonly dir: string;
  private readonly state: RegistryState;
  private readonly process: Component;

  constructor(state: RegistryState, keepAlive: boolean) {
    this.state = state;
    this.dir = state.dir;
    this.host = `127.0.0.1:${state.port}`;
    this.url = `https://${this.host}`;
    this.caPath = state.caPath;
    this.username = state.username;
    this.password = state.password;
    this.process = new Component(registrySpec(state), state.pid);
    if (!keepAlive) ownComponent(this.process);
  }

  /** The registry's log (its access log when started with accessLog). */
  get logPath(): string {
    return registrySpec(this.state).logFile;
  }

  get caPem(): string {
    return readFileSync(this.caPath, 'utf8');
  }

  /** `127.0.0.1:<port>/<repository>:<tag>` */
  ref(repository: string, tag: string): string {
    return `${this.host}/${repository}:${tag}`;
  }

  /** A Docker config (`~/.docker/config.json`, a `kubernetes.io/dockerconfigjson` Secret) with the credentials. */
  dockerConfigJson(): string {
    const auth = Buffer.from(`${this.username}:${this.password}`).toString('base64');
    return JSON.stringify({ auths: { [this.host]: { auth } } });
  }

  isRunning(): boolean {
    return this.process.isRunning();
  }

  start(keepAlive: boolean): void {
    this.process.start({ keepAlive });
    this.state.pid = this.process.pid;
    this.save();
  }

  async stop(): Promise<void> {
    await this.process.stop(5_000);
    this.state.pid = undefined;
    if (this.state.temporary) rmSync(this.dir, { recursive: true, force: true });
    else this.save();
  }

  async waitUntilServing(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (!this.process.isRunning()) break;
      try {
        // Up means: TLS with the testbed CA works and anonymous requests are refused.
        if ((await registryGet(this, '/v2/', false)).status === 401) return;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      await sleep(100);
    }
    const log = readFileSync(registrySpec(this.state).logFile, 'utf8').split('\n').slice(-10).join('\n');
    throw new Error(
      `testbed: the registry at ${this.url} did not start${last ? ` (${last})` : ''}; its log:\n${log}`,
    );
  }

  save(): void {
    if (existsSync(this.dir))
      writeFileSync(join(this.dir, 'state.json'), JSON.stringify(this.state, null, 2), { mode: 0o600 });
  }
}

export async function startRegistry(options: StartRegistryOptions = {}): Promise<TestRegistry> {
  const log = options.log ?? (() => {});
  await ensureDebianPackages([registryPackage, htpasswdPackage], log);
  const temporary = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'tiphys-registry-'));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = await ensureTestbedCa();
  const tls = await issueCertificate(ca, {
    dir: join(dir, 'tls'),
    name: 'registry',
    commonName: 'tiphys testbed registry',
    ips: ['127.0.0.1'],
    dnsNames: ['localhost'],
    usage: 'server',
  });
  const port = options.port ?? (await freePorts(1))[0];
  const username = 'tiphys';
  const password = randomBytes(18).toString('base64url');
  // The password goes to htpasswd on stdin, never on a command line.
  const hashed = await runCommand('htpasswd', ['-n', '-i', '-B', username], { input: password });
  writeFileSync(join(dir, 'htpasswd'), `${hashed.stdout.trim()}\n`, { mode: 0o600 });
  writeFileSync(
    join(dir, 'config.yml'),
    registryConfig(dir, port, tls, options.notifications, options.accessLog ?? false, options),
    {
      mode: 0o600,
    },
  );
  mkdirSync(join(dir, 'data'), { recursive: true });
  const state: RegistryState = {
    dir,
    temporary,
    port,
    username,
    password,
    caPath: ca.certPath,
    pid: undefined,
  };
  const registry = new TestRegistry(state, options.keepAlive ?? false);
  try {
    registry.start(options.keepAlive ?? false);
    await registry.waitUntilServing();
    log(`[testbed] registry serving at ${registry.url}`);
    return registry;
  } catch (error) {
    await registry.stop().catch(() => {});
    throw error;
  }
}

/** Reattaches to a registry started by another process (the CLI's). */
export function loadRegistry(dir: string): TestRegistry {
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as RegistryState;
  return new TestRegistry(state, true);
}

function registrySpec(state: RegistryState) {
  return {
    name: 'registry' as const,
    command: registryPackage.provides,
    args: ['serve', join(state.dir, 'config.yml')],
    logFile: join(state.dir, 'registry.log'),
  };
}

function registryConfig(
  dir: string,
  port: number,
  tls: { certPath: string; keyPath: string },
  notifications?: { url: string; secret: string },
  accessLog = false,
  extra: Pick<StartRegistryOptions, 'tokenAuth' | 'storageDir'> = {},
): string {
  const token = extra.tokenAuth;
  const auth = token
    ? `auth:
  token:
    realm: ${JSON.stringify(token.realm)}
    service: ${JSON.stringify(token.service)}
    issuer: ${JSON.stringify(token.issuer)}
    rootcertbundle: ${JSON.stringify(token.rootCertBundle)}
`
    : `auth:
  htpasswd:
    realm: tiphys-testbed
    path: ${join(dir, 'htpasswd')}
`;
  // Backoff 1 s: a notification the receiver refused or missed is sent again soon, in order.
  const endpoints = notifications
    ? `notifications:
  endpoints:
    - name: tiphys
      url: ${JSON.stringify(notifications.url)}
      headers:
        Authorization: [${JSON.stringify(`Bearer ${notifications.secret}`)}]
      timeout: 5s
      threshold: 3
      backoff: 1s
      ignore:
        mediatypes: [application/octet-stream]
        actions: [pull]
`
    : '';
  return `version: 0.1
log:
  level: warn
  accesslog:
    disabled: ${!accessLog}
storage:
  filesystem:
    rootdirectory: ${extra.storageDir ?? join(dir, 'data')}
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:${port}
  secret: ${randomBytes(24).toString('hex')}
  tls:
    certificate: ${tls.certPath}
    key: ${tls.keyPath}
  headers:
    X-Content-Type-Options: [nosniff]
${auth}${endpoints}`;
}

/** A GET on the registry's API with the testbed CA, with or without its credentials. */
export function registryGet(
  registry: { url: string; caPem: string; username: string; password: string },
  path: string,
  authenticated = true,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
    const req = request(
      new URL(path, registry.url),
      {
        ca: registry.caPem,
        timeout: 10_000,
        headers: { ...headers, ...(authenticated ? { authorization: `Basic ${auth}` } : {}) },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: GET ${path}`)));
    req.on('error', reject);
    req.end();
  });
}

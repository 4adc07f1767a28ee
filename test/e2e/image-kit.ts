// Shared pieces of the image automation end-to-end tests: the hello source repository's CI
// pipeline (examples/source/hello/ci/pipeline.sh) run the way a CI runner runs it, and the
// image objects (registry Secret, ImageRepository, ImagePolicy, ImageUpdater) a team writes.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot } from '../../scripts/deploy/generated.ts';
import { ensureTestbedBinary } from '../../testbed/src/binaries.ts';
import type { TestRegistry } from '../../testbed/src/registry.ts';
import { type Env, NAMESPACE } from './support.ts';

export const helloSource = join(repoRoot, 'examples/source/hello');
const TIPHYS = 'tiphys.dev/v1alpha1';

function run(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; input?: string },
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env, timeout: 10 * 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`${command} ${args.join(' ')} failed: ${stderr.trim() || error.message}`))
          : resolve({ stdout, stderr }),
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/**
 * A CI runner for the hello source repository: a clone of it at the pushed commit, crane logged
 * in to the registry (its own DOCKER_CONFIG, the testbed CA trusted), and go on PATH.
 */
export class HelloCi {
  readonly #dir = mkdtempSync(join(tmpdir(), 'tiphys-hello-ci-'));
  readonly #registry: TestRegistry;
  #env: NodeJS.ProcessEnv | undefined;

  constructor(registry: TestRegistry) {
    this.#registry = registry;
  }

  async #ciEnv(): Promise<NodeJS.ProcessEnv> {
    if (this.#env) return this.#env;
    const crane = await ensureTestbedBinary('crane');
    const docker = join(this.#dir, 'docker');
    const system = '/etc/ssl/certs/ca-certificates.crt';
    const bundle = (existsSync(system) ? readFileSync(system, 'utf8') : '') + this.#registry.caPem;
    writeFileSync(join(this.#dir, 'ca.pem'), bundle);
    const env: NodeJS.ProcessEnv = {
      PATH: `${dirname(crane)}:/usr/local/go/bin:${process.env.PATH}`,
      HOME: process.env.HOME,
      DOCKER_CONFIG: docker,
      SSL_CERT_FILE: join(this.#dir, 'ca.pem'),
      GOTOOLCHAIN: 'local',
      GOFLAGS: '-mod=mod',
      GOPROXY: 'off',
    };
    await run(
      'crane',
      ['auth', 'login', this.#registry.host, '-u', this.#registry.username, '--password-stdin'],
      { cwd: this.#dir, env, input: this.#registry.password },
    );
    this.#env = env;
    return env;
  }

  /**
   * Clones the source repository at its head and runs ci/pipeline.sh (with `version`, else the
   * VERSION file); returns the pushed reference.
   */
  async pipeline(sourceUrl: string, repository: string, version?: string): Promise<string> {
    const env = await this.#ciEnv();
    const checkout = join(this.#dir, `checkout-${Date.now()}`);
    await run('git', ['clone', '--quiet', '--depth', '1', sourceUrl, checkout], { cwd: this.#dir, env });
    const args = ['ci/pipeline.sh', `${this.#registry.host}/${repository}`, ...(version ? [version] : [])];
    const { stdout } = await run('sh', args, {
      cwd: checkout,
      env,
    });
    rmSync(checkout, { recursive: true, force: true });
    return stdout.trim().split('\n').pop() ?? '';
  }

  close(): void {
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/** A copy of examples/source/hello at VERSION `version`, for a source repository. */
export function helloFolder(version: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tiphys-hello-src-'));
  cpSync(helloSource, dir, { recursive: true });
  writeFileSync(join(dir, 'VERSION'), `${version}\n`);
  return dir;
}

/** The registry Secrets an ImageRepository reads: credentials (dockerconfigjson) and CA. */
export async function createRegistrySecrets(
  env: Env,
  name: string,
  registry: { host: string; username: string; password: string; caPem: string },
  project?: string,
): Promise<void> {
  const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
  const labels: Record<string, string> = { 'tiphys.dev/secret-type': 'registry' };
  if (project) labels['tiphys.dev/project'] = project;
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  await env.rest.request('POST', `/api/v1/namespaces/${NAMESPACE}/secrets`, {
    body: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: NAMESPACE, labels },
      type: 'kubernetes.io/dockerconfigjson',
      data: {
        '.dockerconfigjson': b64(JSON.stringify({ auths: { [registry.host]: { auth } } })),
        'ca.crt': b64(registry.caPem),
      },
    },
  });
}

export async function createImageObject(
  env: Env,
  kind: 'ImageRepository' | 'ImagePolicy' | 'ImageUpdater',
  name: string,
  spec: Record<string, unknown>,
): Promise<void> {
  const plural = {
    ImageRepository: 'imagerepositories',
    ImagePolicy: 'imagepolicies',
    ImageUpdater: 'imageupdaters',
  }[kind];
  await env.rest.request('POST', `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/${plural}`, {
    body: { apiVersion: TIPHYS, kind, metadata: { name, namespace: NAMESPACE }, spec },
  });
}

// biome-ignore lint/suspicious/noExplicitAny: status read as loose JSON
export async function imageStatus(env: Env, plural: string, name: string): Promise<any> {
  const object = await env.rest.request<{ status?: unknown }>(
    'GET',
    `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/${plural}/${name}`,
  );
  return object.status ?? {};
}

/** The hello Deployment of a config repository: the image's own entrypoint, ready on /healthz. */
export const helloDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
spec:
  replicas: 1
  selector: { matchLabels: { app: hello } }
  template:
    metadata: { labels: { app: hello } }
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: hello
          image: hello
          ports: [{ containerPort: 8080 }]
          readinessProbe: { httpGet: { path: /healthz, port: 8080 }, periodSeconds: 1 }
`;

/** A kustomization of the hello Deployment with the image at `tag` (`resources` relative). */
export const helloKustomization = (
  comment: string,
  resources: string,
  image: string,
  tag: string,
) => `# ${comment}
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ${resources}
images:
  - name: hello
    newName: ${image}
    newTag: ${tag} # set by Tiphys
`;

// Helm charts for tests: packaged by the testbed's helm, served by an HTTPS chart repository
// (index.yaml, basic auth, a certificate of the testbed CA) or pushed to the testbed registry
// as OCI artifacts with `helm push`. The registry's password goes in a registry config file,
// never on a command line.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ensureTestbedCa, issueCertificate } from './ca.ts';
import { runCommand } from './host-command.ts';
import type { TestRegistry } from './registry.ts';

/**
 * Writes a chart with one ConfigMap naming its version (and any extra `files`, relative to the
 * chart's folder) and packages it; returns the .tgz path.
 */
export async function packageChart(
  helm: string,
  dir: string,
  chart: { name: string; version: string; data?: Record<string, string>; files?: Record<string, string> },
): Promise<string> {
  const src = mkdtempSync(join(dir, 'chart-src-'));
  const chartDir = join(src, chart.name);
  const data = { version: chart.version, ...chart.data };
  const templates = join(chartDir, 'templates');
  await runCommand('mkdir', ['-p', templates]);
  writeFileSync(
    join(chartDir, 'Chart.yaml'),
    `apiVersion: v2\nname: ${chart.name}\nversion: ${chart.version}\n`,
  );
  writeFileSync(join(chartDir, 'values.yaml'), 'greeting: hello\n');
  for (const [name, content] of Object.entries(chart.files ?? {}))
    writeFileSync(join(chartDir, name), content);
  const lines = Object.entries(data).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`);
  writeFileSync(
    join(templates, 'configmap.yaml'),
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-${chart.name}\ndata:\n  greeting: {{ .Values.greeting | quote }}\n${lines.join('\n')}\n`,
  );
  const out = mkdtempSync(join(dir, 'chart-out-'));
  await runCommand(helm, ['package', chartDir, '--destination', out], { env: helmEnv(dir) });
  return join(out, `${chart.name}-${chart.version}.tgz`);
}

function helmEnv(dir: string): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(dir, 'helm-home-'));
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
  };
}

/** `helm push` of an archive to `oci://<registry>/<path>`, logged in by a registry config file. */
export async function pushChart(
  helm: string,
  registry: TestRegistry,
  archive: string,
  path: string,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tiphys-helm-push-'));
  try {
    const config = join(dir, 'config.json');
    writeFileSync(config, registry.dockerConfigJson(), { mode: 0o600 });
    await runCommand(
      helm,
      [
        'push',
        archive,
        `oci://${registry.host}/${path}`,
        `--registry-config=${config}`,
        `--ca-file=${registry.caPath}`,
      ],
      { env: helmEnv(dir) },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ChartRepo {
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  readonly host: string;
  readonly username: string;
  readonly password: string;
  /** The testbed CA (PEM) that signed the repository's certificate. */
  readonly caPem: string;
  /** Lists an archive in index.yaml (served at /charts/<file>), or at `url` when given. */
  publish(archive: string, options?: { url?: string }): void;
  /** The Authorization headers each path was asked with (undefined: none), and the answer's status. */
  readonly requests: { path: string; authorization: string | undefined; status?: number }[];
  close(): Promise<void>;
}

/**
 * An HTTPS chart repository on 127.0.0.1: index.yaml and the archives, behind basic auth unless
 * `anonymous`. What is published can be replaced (a version re-published with other bytes).
 */
export async function startChartRepo(options: { anonymous?: boolean } = {}): Promise<ChartRepo> {
  const dir = mkdtempSync(join(tmpdir(), 'tiphys-chart-repo-'));
  const ca = await ensureTestbedCa();
  const tls = await issueCertificate(ca, {
    dir: join(dir, 'tls'),
    name: 'chart-repo',
    commonName: 'tiphys testbed chart repository',
    ips: ['127.0.0.1'],
    usage: 'server',
  });
  const username = 'charts';
  const password = randomBytes(12).toString('base64url');
  const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const files = new Map<string, Buffer>();
  const entries = new Map<string, { name: string; version: string; digest: string; url: string }>();
  const requests: ChartRepo['requests'] = [];
  const server: Server = createServer(
    { cert: readFileSync(tls.certPath), key: readFileSync(tls.keyPath) },
    (req, res) => {
      const path = new URL(req.url ?? '/', 'https://x').pathname;
      requests.push({ path, authorization: req.headers.authorization });
      if (!options.anonymous && req.headers.authorization !== expected) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="charts"' }).end();
        return;
      }
      if (path === '/index.yaml') {
        // An ETag as chart repositories on object storage give one: an unchanged index is a 304.
        const body = indexYaml();
        const etag = `"${createHash('sha256').update(body).digest('hex')}"`;
        const status = req.headers['if-none-match'] === etag ? 304 : 200;
        requests[requests.length - 1].status = status;
        if (status === 304) res.writeHead(304, { etag }).end();
        else res.writeHead(200, { 'content-type': 'application/yaml', etag }).end(body);
        return;
      }
      const file = files.get(path);
      if (file) res.writeHead(200, { 'content-type': 'application/gzip' }).end(file);
      else res.writeHead(404).end();
    },
  );
  const indexYaml = () => {
    const byName = new Map<string, string[]>();
    for (const e of entries.values()) {
      const list = byName.get(e.name) ?? [];
      list.push(
        `  - apiVersion: v2\n    name: ${e.name}\n    version: ${e.version}\n    digest: ${e.digest}\n    urls:\n      - ${e.url}\n`,
      );
      byName.set(e.name, list);
    }
    const body = [...byName].map(([name, list]) => `  ${name}:\n${list.join('')}`).join('');
    return `apiVersion: v1\nentries:\n${body}`;
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const host = `127.0.0.1:${port}`;
  return {
    url: `https://${host}`,
    host,
    username,
    password,
    caPem: ca.pem,
    requests,
    publish(archive, publishOptions = {}) {
      const bytes = readFileSync(archive);
      const file = basename(archive);
      const [, name, version] = /^(.+)-(\d+\.\d+\.\d+.*)\.tgz$/.exec(file) ?? [];
      files.set(`/charts/${file}`, bytes);
      entries.set(`${name}@${version}`, {
        name,
        version,
        digest: createHash('sha256').update(bytes).digest('hex'),
        url: publishOptions.url ?? `charts/${file}`,
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Daemonless images for the testbed and for `npm run image`: assembled as an OCI layout here
// (image-layout.ts), then pushed and read back with crane from go-containerregistry, built by
// testbed/build.sh. Registry credentials go to crane through a private DOCKER_CONFIG file and the
// registry's CA through SSL_CERT_FILE: never on a command line, where `ps` would show them.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTestbedBinary } from './binaries.ts';

export type { LayerItem, LayerSpec } from './image-layer.ts';
export {
  type BuiltImage,
  type ImageRuntimeConfig,
  type ImageSpec,
  writeImageArchive,
  writeImageLayout,
} from './image-layout.ts';

/** How to reach a registry: its CA (a PEM file) when self-signed, and basic-auth credentials. */
export interface RegistryAccess {
  caFile?: string;
  username?: string;
  password?: string;
}

/** Pushes the only image of the OCI layout `dir` to `ref`; returns `repository@sha256:…`. */
export async function pushImage(dir: string, ref: string, access: RegistryAccess = {}): Promise<string> {
  const output = await crane(['push', dir, ref], ref, access);
  return output.trim();
}

/** The manifest stored in the registry under `ref`, as the registry returns it. */
export async function remoteManifest(ref: string, access: RegistryAccess = {}): Promise<unknown> {
  return JSON.parse(await crane(['manifest', ref], ref, access));
}

/** The digest the registry gives `ref` (`sha256:…`). */
export async function remoteDigest(ref: string, access: RegistryAccess = {}): Promise<string> {
  return (await crane(['digest', ref], ref, access)).trim();
}

/** Downloads every blob of `ref` and checks each digest and size; throws what crane found. */
export async function validateRemote(ref: string, access: RegistryAccess = {}): Promise<void> {
  await crane(['validate', '--remote', ref], ref, access);
}

/** Runs crane with credentials and CA for the registry of `ref`; resolves with its stdout. */
export async function crane(args: string[], ref: string, access: RegistryAccess): Promise<string> {
  const binary = await ensureTestbedBinary('crane');
  const config = mkdtempSync(join(tmpdir(), 'tiphys-crane-'));
  try {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: config, DOCKER_CONFIG: config };
    const registry = registryHost(ref);
    if (access.username !== undefined) {
      const auth = Buffer.from(`${access.username}:${access.password ?? ''}`).toString('base64');
      writeFileSync(join(config, 'config.json'), JSON.stringify({ auths: { [registry]: { auth } } }), {
        mode: 0o600,
      });
    }
    if (access.caFile) {
      // SSL_CERT_FILE replaces Go's trust store, so the system's roots go in the bundle too.
      const system = '/etc/ssl/certs/ca-certificates.crt';
      const bundle =
        (existsSync(system) ? readFileSync(system, 'utf8') : '') + readFileSync(access.caFile, 'utf8');
      writeFileSync(join(config, 'ca.pem'), bundle);
      env.SSL_CERT_FILE = join(config, 'ca.pem');
    }
    return await new Promise((resolve, reject) => {
      execFile(
        binary,
        args,
        { env, maxBuffer: 64 * 1024 * 1024, timeout: 10 * 60_000 },
        (error, stdout, stderr) => {
          if (!error) return resolve(stdout);
          const said = access.password ? stderr.replaceAll(access.password, '***') : stderr;
          reject(new Error(`crane ${args[0]} ${ref} failed: ${said.trim() || error.message}`));
        },
      );
    });
  } finally {
    rmSync(config, { recursive: true, force: true });
  }
}

/** `127.0.0.1:5000/team/app:1` → `127.0.0.1:5000`; a reference without a host is refused. */
export function registryHost(ref: string): string {
  const first = ref.split('/')[0] ?? '';
  if (!ref.includes('/') || !/[.:]|^localhost$/.test(first)) {
    throw new Error(
      `image reference "${ref}" must start with a registry host (e.g. 127.0.0.1:5000/repo:tag)`,
    );
  }
  return first;
}

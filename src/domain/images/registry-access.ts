// Which credentials and CA a scan of an ImageRepository uses. The Secret must live in the control
// namespace and carry the label tiphys.dev/secret-type=registry (so an ImageRepository cannot
// name a cluster's or a Git repository's Secret), and when it is labelled tiphys.dev/project it
// serves only that project's repositories. Of a .dockerconfigjson only the entry of exactly the
// image's registry host is used: `reg.example.com` never gets the password of `reg.example.com.evil`.
import type { SecretObject } from '../../adapters/control-plane/image-objects.ts';
import type { RegistryCredentials } from '../../adapters/registry/client.ts';
import { DOCKER_HUB, DOCKER_HUB_API } from '../../core/image/reference.ts';
import { DEFAULT_PROJECT } from '../../core/model/common.ts';
import { REGISTRY_SECRET_TYPE } from '../../core/model/image-repository.ts';

export const SECRET_TYPE_LABEL = 'tiphys.dev/secret-type';
export const PROJECT_LABEL = 'tiphys.dev/project';

export class RegistryAccessError extends Error {
  override name = 'RegistryAccessError';
}

const decode = (value: string | undefined) =>
  value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');

/** Refuses a Secret an ImageRepository of `project` may not read; the message names no value. */
export function checkRegistrySecret(
  secret: SecretObject | undefined,
  name: string,
  project: string | undefined,
): SecretObject {
  if (!secret) throw new RegistryAccessError(`secret ${name} not found in the control namespace`);
  const labels = secret.metadata.labels ?? {};
  if (labels[SECRET_TYPE_LABEL] !== REGISTRY_SECRET_TYPE)
    throw new RegistryAccessError(
      `secret ${name} is not labelled ${SECRET_TYPE_LABEL}=${REGISTRY_SECRET_TYPE}; image repositories read no other Secret`,
    );
  const owner = labels[PROJECT_LABEL];
  if (owner !== undefined && owner !== (project ?? DEFAULT_PROJECT))
    throw new RegistryAccessError(
      `secret ${name} belongs to project ${owner}, not ${project ?? DEFAULT_PROJECT}`,
    );
  return secret;
}

/** The credentials for `registry` (host[:port]) in a registry Secret, or undefined when it has none for that host. */
export function credentialsFromSecret(
  secret: SecretObject,
  registry: string,
): RegistryCredentials | undefined {
  const data = secret.data ?? {};
  const username = decode(data.username);
  const password = decode(data.password);
  if (username !== undefined && password !== undefined) return { username, password };
  const config = decode(data['.dockerconfigjson']);
  if (!config) return undefined;
  let auths: Record<string, { auth?: string; username?: string; password?: string }>;
  try {
    auths = (JSON.parse(config) as { auths?: typeof auths }).auths ?? {};
  } catch {
    throw new RegistryAccessError(`secret ${secret.metadata.name}: .dockerconfigjson is not JSON`);
  }
  const wanted =
    registry === DOCKER_HUB_API
      ? [DOCKER_HUB_API, DOCKER_HUB, 'index.docker.io', 'https://index.docker.io/v1/']
      : [registry];
  for (const [key, entry] of Object.entries(auths)) {
    // Keys may be written as URLs (https://host/); compare their host[:port] exactly.
    const host = key
      .replace(/^https?:\/\//, '')
      .replace(/\/.*$/, '')
      .toLowerCase();
    if (!wanted.includes(host) && !wanted.includes(key)) continue;
    if (entry.username !== undefined && entry.password !== undefined)
      return { username: entry.username, password: entry.password };
    if (entry.auth) {
      const text = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = text.indexOf(':');
      if (colon > 0) return { username: text.slice(0, colon), password: text.slice(colon + 1) };
    }
  }
  return undefined;
}

export function caFromSecret(secret: SecretObject, key = 'ca.crt'): string {
  const ca = decode(secret.data?.[key]);
  if (!ca) throw new RegistryAccessError(`secret ${secret.metadata.name} has no key ${key}`);
  return ca;
}

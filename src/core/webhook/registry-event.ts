// Registry notifications: the distribution registry's (CNCF distribution, Harbor's core, GitLab's
// registry), Docker Hub's, GitHub's package event (GHCR) and Harbor's own. They are authenticated
// by one shared secret, given the way each sender can carry it: `Authorization: Bearer <secret>`
// or the bare secret as Authorization (distribution `headers:`, Harbor's auth header), the
// `token` query parameter (Docker Hub can only call a URL), or GitHub's HMAC-SHA256 signature.
// Without a configured secret every registry webhook is refused. A notification only asks Tiphys
// to scan: nothing in it (tag, digest) is ever written anywhere, the scan asks the registry itself.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookError } from './push-event.ts';

export type RegistrySender = 'distribution' | 'dockerhub' | 'ghcr' | 'harbor';

/** The images a notification says were pushed: host (when the sender says) and repository path. */
export interface RegistryPush {
  sender: RegistrySender;
  images: { host?: string; repository: string }[];
}

type Headers = Record<string, string | string[] | undefined>;
const header = (headers: Headers, name: string): string | undefined => {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
};

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Checks the shared secret; throws WebhookError 401 (or 503 when none is configured). */
export function checkRegistrySecret(
  secret: string | undefined,
  headers: Headers,
  query: string,
  body: Buffer,
): void {
  if (!secret)
    throw new WebhookError(
      'registry webhooks are off: set TIPHYS_WEBHOOK_REGISTRY_SECRET to accept them',
      403,
    );
  const signature = header(headers, 'x-hub-signature-256');
  if (signature) {
    const expected = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    if (sameText(expected, signature)) return;
  }
  const authorization = header(headers, 'authorization');
  if (authorization && (sameText(authorization, `Bearer ${secret}`) || sameText(authorization, secret)))
    return;
  const token = new URLSearchParams(query).get('token');
  if (token && sameText(token, secret)) return;
  throw new WebhookError('registry webhook: the token or signature does not match the shared secret', 401);
}

/** The pushes a (checked) notification reports; [] for events that are not pushes. */
export function parseRegistryEvent(headers: Headers, body: Buffer): RegistryPush {
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new WebhookError('registry webhook: the body is not JSON', 400);
  }
  if (typeof payload !== 'object' || payload === null)
    throw new WebhookError('registry webhook: the body is not an object', 400);
  const str = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const obj = (value: unknown) =>
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};

  if (Array.isArray(payload.events)) {
    const images = payload.events.flatMap((raw) => {
      const event = obj(raw);
      if (event.action !== 'push') return [];
      const repository = str(obj(event.target).repository);
      if (!repository) return [];
      return [{ host: str(obj(event.request).host), repository }];
    });
    return { sender: 'distribution', images };
  }
  if (header(headers, 'x-github-event')) {
    if (
      header(headers, 'x-github-event') !== 'package' &&
      header(headers, 'x-github-event') !== 'registry_package'
    )
      return { sender: 'ghcr', images: [] };
    const pkg = obj(payload.package ?? payload.registry_package);
    const name = str(pkg.name);
    const owner = str(obj(pkg.owner).login) ?? str(pkg.namespace);
    if (!name || !owner) return { sender: 'ghcr', images: [] };
    return { sender: 'ghcr', images: [{ host: 'ghcr.io', repository: `${owner}/${name}`.toLowerCase() }] };
  }
  if (payload.push_data && str(obj(payload.repository).repo_name)) {
    const repoName = str(obj(payload.repository).repo_name) as string;
    return {
      sender: 'dockerhub',
      images: [{ host: 'docker.io', repository: repoName.includes('/') ? repoName : `library/${repoName}` }],
    };
  }
  if (typeof payload.type === 'string' && payload.event_data) {
    if (!/^PUSH_ARTIFACT$|^pushImage$/i.test(payload.type)) return { sender: 'harbor', images: [] };
    const data = obj(payload.event_data);
    const repository = str(obj(data.repository).repo_full_name);
    const resourceURL = str(obj((Array.isArray(data.resources) ? data.resources : [])[0]).resource_url);
    const host = resourceURL?.split('/')[0];
    return { sender: 'harbor', images: repository ? [{ host, repository }] : [] };
  }
  throw new WebhookError(
    'registry webhook: not a distribution, Docker Hub, GitHub package or Harbor event',
    400,
  );
}

/** Whether a pushed image is the ImageRepository's image (`host/path`, Docker Hub names normalised). */
export function pushNames(
  image: { host?: string; repository: string },
  repositoryImage: { name: string; repository: string },
): boolean {
  if (image.repository !== repositoryImage.repository) return false;
  if (!image.host) return true;
  const host = repositoryImage.name.slice(
    0,
    repositoryImage.name.length - repositoryImage.repository.length - 1,
  );
  return image.host.toLowerCase() === host.toLowerCase();
}

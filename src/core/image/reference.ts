// Image names, tags and digests as the OCI distribution spec defines them. Every value Tiphys
// writes into Git passes these checks first: a tag comes from a registry or a webhook, which an
// attacker may control, and must never be able to add YAML of its own to a manifest.

/** A tag: 1 to 128 of [A-Za-z0-9_.-], not starting with . or - (distribution spec). */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/;
// host[:port], then path components of lower-case alphanumerics joined by . _ __ or -.
const HOST =
  /^(?:localhost|[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]{1,5})?$/;
const COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;

export const DOCKER_HUB = 'docker.io';
/** Where Docker Hub's API answers; `docker.io` itself only redirects. */
export const DOCKER_HUB_API = 'registry-1.docker.io';

export class InvalidImageReferenceError extends Error {
  override name = 'InvalidImageReferenceError';
}

export function isValidTag(tag: string): boolean {
  return typeof tag === 'string' && TAG.test(tag);
}

export function isValidDigest(digest: string): boolean {
  return typeof digest === 'string' && DIGEST.test(digest);
}

export function assertValidTag(tag: string, where = 'tag'): string {
  if (!isValidTag(tag))
    throw new InvalidImageReferenceError(
      `${where} ${JSON.stringify(tag.slice(0, 200))} is not a valid image tag (1-128 of A-Z a-z 0-9 _ . -, not starting with . or -)`,
    );
  return tag;
}

export function assertValidDigest(digest: string, where = 'digest'): string {
  if (!isValidDigest(digest))
    throw new InvalidImageReferenceError(
      `${where} ${JSON.stringify(digest.slice(0, 200))} is not a sha256/sha512 digest`,
    );
  return digest;
}

/** An image repository: where its registry is and its path there. */
export interface ImageName {
  /** As people write it (`docker.io/library/nginx` for `nginx`). */
  name: string;
  /** The host[:port] the registry API is called on. */
  registry: string;
  /** The repository path inside the registry (`library/nginx`). */
  repository: string;
}

/**
 * Parses `host[:port]/path` (or a Docker Hub short name: `nginx`, `team/app`) without tag or
 * digest. A first component is a host when it has a `.` or `:` or is `localhost`, as Docker reads it.
 */
export function parseImageName(text: string): ImageName {
  const refuse = (why: string): never => {
    throw new InvalidImageReferenceError(`image ${JSON.stringify(String(text).slice(0, 200))} ${why}`);
  };
  if (typeof text !== 'string' || text === '') return refuse('is empty');
  if (text.length > 255) return refuse('is longer than 255 characters');
  if (text.includes('@') || /:[^/]*$/.test(text.split('/').slice(1).join('/') || ''))
    return refuse('must not carry a tag or digest here');
  const parts = text.split('/');
  let host = DOCKER_HUB;
  if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost')) {
    host = parts.shift() as string;
  }
  if (!HOST.test(host)) return refuse(`has an invalid registry host ${JSON.stringify(host)}`);
  if (host === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  if (parts.length === 0 || !parts.every((part) => COMPONENT.test(part)))
    return refuse('has an invalid repository path (lower-case letters, digits and . _ - separators)');
  const repository = parts.join('/');
  return {
    name: `${host}/${repository}`,
    registry: host === DOCKER_HUB ? DOCKER_HUB_API : host,
    repository,
  };
}

/** A full image reference, `name:tag` or `name:tag@digest` or `name@digest`; parts validated. */
export function imageReference(name: string, tag?: string, digest?: string): string {
  parseImageName(name);
  if (tag !== undefined) assertValidTag(tag);
  if (digest !== undefined) assertValidDigest(digest);
  return `${name}${tag !== undefined ? `:${tag}` : ''}${digest !== undefined ? `@${digest}` : ''}`;
}

/** Splits `name[:tag][@digest]`; the name part as written (not normalised). */
export function splitReference(reference: string): { name: string; tag?: string; digest?: string } {
  let rest = reference;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = assertValidDigest(rest.slice(at + 1));
    rest = rest.slice(0, at);
  }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  let tag: string | undefined;
  if (colon > slash) {
    tag = assertValidTag(rest.slice(colon + 1));
    rest = rest.slice(0, colon);
  }
  parseImageName(rest);
  return { name: rest, tag, digest };
}

/** Whether two names denote the same repository (`nginx` and `docker.io/library/nginx` do). */
export function sameImage(a: string, b: string): boolean {
  try {
    return parseImageName(a).name === parseImageName(b).name;
  } catch {
    return false;
  }
}

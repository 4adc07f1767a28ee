// Registry authentication as the distribution spec and real registries do it: anonymous first;
// on 401 the WWW-Authenticate challenge says Basic (send the credentials) or Bearer (get a token
// from the realm's token service, with the credentials if any, for the scope asked). Credentials
// go only to the registry's own origin, and to a token realm on the same host or the same parent
// domain (Docker Hub: registry-1.docker.io → auth.docker.io), never over plain HTTP elsewhere.

export interface Challenge {
  scheme: 'basic' | 'bearer';
  params: Record<string, string>;
}

/** Parses `Bearer realm="…",service="…",scope="…"` (the first challenge of the header). */
export function parseChallenge(header: string | string[] | undefined): Challenge | undefined {
  const text = Array.isArray(header) ? header[0] : header;
  if (!text) return undefined;
  const match = /^\s*(\w+)\s*(.*)$/s.exec(text);
  if (!match) return undefined;
  const scheme = match[1].toLowerCase();
  if (scheme !== 'basic' && scheme !== 'bearer') return undefined;
  const params: Record<string, string> = {};
  for (const param of match[2].matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g))
    params[param[1].toLowerCase()] = (param[2] ?? param[3] ?? '').replace(/\\(.)/g, '$1');
  return { scheme, params };
}

/** Whether the registry's credentials may be sent to a token realm. */
export function mayReceiveCredentials(registryOrigin: string, realm: string): boolean {
  let registry: URL;
  let target: URL;
  try {
    registry = new URL(registryOrigin);
    target = new URL(realm);
  } catch {
    return false;
  }
  if (target.protocol !== 'https:' && !(target.protocol === 'http:' && registry.protocol === 'http:'))
    return false;
  if (target.hostname === registry.hostname) return true;
  const parent = (host: string) => host.split('.').slice(-2).join('.');
  // An IP address or a single-label host has no parent domain to share.
  if (/^[0-9.]+$/.test(registry.hostname) || !registry.hostname.includes('.')) return false;
  return parent(target.hostname) === parent(registry.hostname) && registry.hostname.split('.').length > 2;
}

// Writes made with the browser's session cookie must come from Tiphys's own pages. The cookie is
// sent with any request the browser makes, including a form another site posts or a `fetch` it
// fires without CORS; such requests cannot carry a JSON content type nor a custom header without
// a CORS preflight this server never grants, and the browser names their true origin. So a write
// with the cookie needs `Content-Type: application/json` and either an `Origin` equal to this
// server's or the double-submit header (the `tiphys.csrf` cookie's value, which only a page of
// this origin can read). Bearer tokens are never sent by a browser on its own: those requests
// are not checked.
import { timingSafeEqual } from 'node:crypto';
import { CSRF_COOKIE, readCookie, SESSION_COOKIE } from './cookies.ts';

export const CSRF_HEADER = 'x-tiphys-csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What the check needs of a request (a Fastify request has all of it). */
export interface RequestFacts {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  /** `http` or `https` as the browser used it (X-Forwarded-Proto only behind a trusted proxy). */
  protocol: string;
  /** Host and port as the browser used them. */
  host: string;
}

export interface CrossSiteRefusal {
  status: 403 | 415;
  message: string;
}

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

function sameOrigin(origin: string, protocol: string, host: string): boolean {
  try {
    // URL drops default ports on both sides, so `https://x` equals `https://x:443`.
    return new URL(origin).origin === new URL(`${protocol}://${host}`).origin;
  } catch {
    return false;
  }
}

function tokensMatch(header: string | undefined, cookie: string | undefined): boolean {
  if (!header || !cookie) return false;
  const a = Buffer.from(header);
  const b = Buffer.from(cookie);
  return a.length === b.length && timingSafeEqual(a, b);
}

function isJson(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return type === 'application/json';
}

/** Why a request must be refused as a cross-site write, or undefined when it may go on. */
export function crossSiteRefusal(req: RequestFacts): CrossSiteRefusal | undefined {
  if (SAFE_METHODS.has(req.method.toUpperCase())) return undefined;
  if (/^Bearer\s+\S+\s*$/i.test(first(req.headers.authorization) ?? '')) return undefined;
  const cookies = first(req.headers.cookie);
  const origin = first(req.headers.origin);
  const fromElsewhere = origin !== undefined && !sameOrigin(origin, req.protocol, req.host);
  if (readCookie(cookies, SESSION_COOKIE) === undefined) {
    // No session to ride; a browser still names a foreign page, whose login form is refused
    // too (it would log the victim into the attacker's account).
    return fromElsewhere
      ? { status: 403, message: `a request from ${origin} is refused: it is not this server's origin` }
      : undefined;
  }
  if (!isJson(first(req.headers['content-type']))) {
    return {
      status: 415,
      message:
        'a write with the session cookie needs Content-Type: application/json (send {} when there is nothing to say)',
    };
  }
  if (tokensMatch(first(req.headers[CSRF_HEADER]), readCookie(cookies, CSRF_COOKIE))) return undefined;
  if (origin !== undefined && !fromElsewhere) return undefined;
  return {
    status: 403,
    message: origin
      ? `a write with the session cookie from ${origin} is refused: it is not this server's origin`
      : `a write with the session cookie needs an Origin header of this server or the ${CSRF_HEADER} header`,
  };
}

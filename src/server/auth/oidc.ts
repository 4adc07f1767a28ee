// Single sign-on with OpenID Connect: authorization code flow with PKCE (and state and nonce),
// the login's secrets kept in a short-lived signed cookie so no server-side state is needed and
// any replica can finish a login another started.
//
// `tiphys login --sso` (like `argocd login --sso`): the CLI listens on a loopback port and opens
// /auth/login?return_to=http://127.0.0.1:PORT/callback&cli_state=NONCE. Only loopback http URLs
// are accepted (anything else is 400), so a session can only ever be handed to a program on the
// machine whose browser logs in. Both travel in the signed state cookie; the callback then issues
// a session for the CLI alone (no browser cookie) and redirects to return_to with `token` and
// `cli_state`, by which the CLI knows the answer is to its own request. Failures after the state
// checked out go there too, as `error`, so the CLI stops waiting.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as client from 'openid-client';
import { type AuthContext, nowSeconds, sendError } from './context.ts';
import { OIDC_STATE_COOKIE, readCookie, serializeCookie } from './cookies.ts';
import { isReservedName } from './rbac-policy.ts';
import { cookieIsSecure, issueSession, SessionTooLargeError, setSessionCookie } from './sessions.ts';
import { maskTokens, signToken, verifyToken } from './signed-token.ts';
import type { OidcOptions } from './types.ts';

const LOGIN_SECONDS = 10 * 60;
const DEFAULT_SCOPES = ['openid', 'profile', 'email'];
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];
const CLI_STATE = /^[A-Za-z0-9_-]{16,128}$/;
const MAX_RETURN_TO = 512;

/** Plain http is accepted for an issuer on this machine only (tests, local providers). */
export function isLoopbackHttp(issuer: URL): boolean {
  return issuer.protocol === 'http:' && LOOPBACK_HOSTS.includes(issuer.hostname);
}

/**
 * The CLI's loopback listener and nonce from /auth/login's query, or why they are refused:
 * return_to must be an http URL on 127.0.0.1, localhost or [::1] (no credentials, no fragment).
 */
export function cliReturnTarget(
  returnTo: unknown,
  cliState: unknown,
): { returnTo: string; cliState: string } | { error: string } {
  const refused = {
    error: 'return_to must be an http URL on 127.0.0.1 or localhost (the listener of tiphys login --sso)',
  };
  if (typeof returnTo !== 'string' || returnTo.length > MAX_RETURN_TO) return refused;
  let url: URL;
  try {
    url = new URL(returnTo);
  } catch {
    return refused;
  }
  if (url.protocol !== 'http:' || !LOOPBACK_HOSTS.includes(url.hostname)) return refused;
  if (url.username || url.password || url.hash) return refused;
  if (typeof cliState !== 'string' || !CLI_STATE.test(cliState)) {
    return { error: 'cli_state must be 16 to 128 letters, digits, "-" or "_" (a nonce of the CLI)' };
  }
  return { returnTo: url.href, cliState };
}

/** Rejects an unusable configuration when the server starts rather than at the first login. */
export function checkOidcOptions(options: OidcOptions): void {
  const issuer = new URL(options.issuer);
  if (issuer.protocol !== 'https:' && !isLoopbackHttp(issuer)) {
    throw new Error(
      `OIDC issuer ${options.issuer} must use https (plain http only on 127.0.0.1 or localhost)`,
    );
  }
  new URL(options.redirectUrl);
  if (!options.clientId) throw new Error('OIDC clientId is required');
}

/** The groups claim as a list, without names that would collide with built-in subjects. */
export function groupsFromClaim(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  return [
    ...new Set(
      list.filter(
        (g): g is string =>
          typeof g === 'string' && g.trim() !== '' && !/[\n\r,]/.test(g) && !isReservedName(g),
      ),
    ),
  ];
}

export function registerOidcRoutes(
  app: FastifyInstance,
  ctx: AuthContext,
  options: OidcOptions | undefined,
): void {
  if (!options) {
    const off = async (_req: FastifyRequest, reply: FastifyReply) =>
      sendError(reply, 404, 'single sign-on is not configured on this server');
    app.get('/auth/login', off);
    app.get('/auth/callback', off);
    return;
  }
  const scopes = [...new Set(['openid', ...(options.scopes ?? DEFAULT_SCOPES)])].join(' ');
  let configuration: Promise<client.Configuration> | undefined;
  // Discovered on first use (the provider may start after Tiphys); a failure is retried next time.
  const discover = () => {
    configuration ??= client
      .discovery(
        new URL(options.issuer),
        options.clientId,
        options.clientSecret,
        options.clientSecret ? client.ClientSecretPost(options.clientSecret) : client.None(),
        isLoopbackHttp(new URL(options.issuer)) ? { execute: [client.allowInsecureRequests] } : undefined,
      )
      .catch((error: unknown) => {
        configuration = undefined;
        throw error;
      });
    return configuration;
  };
  const reason = (error: unknown) => maskTokens(error instanceof Error ? error.message : String(error));
  const clearStateCookie = (req: FastifyRequest, reply: FastifyReply) =>
    reply.header(
      'set-cookie',
      serializeCookie(OIDC_STATE_COOKIE, '', { path: '/auth', maxAge: 0, secure: cookieIsSecure(req) }),
    );

  app.get('/auth/login', async (req, reply) => {
    const query = (req.query ?? {}) as Record<string, unknown>;
    let cli: { returnTo: string; cliState: string } | undefined;
    if (query.return_to !== undefined) {
      const target = cliReturnTarget(query.return_to, query.cli_state);
      if ('error' in target) return sendError(reply, 400, target.error);
      cli = target;
    }
    let config: client.Configuration;
    try {
      config = await discover();
    } catch (error) {
      return sendError(reply, 502, `cannot reach the identity provider ${options.issuer}: ${reason(error)}`);
    }
    const state = client.randomState();
    const nonce = client.randomNonce();
    const verifier = client.randomPKCECodeVerifier();
    const iat = nowSeconds(ctx);
    const pending = signToken(ctx.signingKey, {
      typ: 'oidc',
      jti: randomUUID(),
      iat,
      exp: iat + LOGIN_SECONDS,
      state,
      nonce,
      verifier,
      ...cli,
    });
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: options.redirectUrl,
      scope: scopes,
      state,
      nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    reply.header(
      'set-cookie',
      serializeCookie(OIDC_STATE_COOKIE, pending, {
        path: '/auth',
        maxAge: LOGIN_SECONDS,
        secure: cookieIsSecure(req),
      }),
    );
    return reply.header('cache-control', 'no-store').redirect(url.href, 302);
  });

  app.get('/auth/callback', async (req, reply) => {
    const cookie = readCookie(req.headers.cookie, OIDC_STATE_COOKIE);
    const pending = cookie ? verifyToken(ctx.signingKey, cookie, 'oidc', nowSeconds(ctx)) : undefined;
    clearStateCookie(req, reply);
    const query = (req.query ?? {}) as Record<string, unknown>;
    // Only a state this server signed names a return_to: nothing else is ever redirected to.
    const toCli = (params: Record<string, string>) => {
      const target = new URL(pending?.returnTo ?? '');
      for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
      target.searchParams.set('cli_state', pending?.cliState ?? '');
      return reply
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .redirect(target.href, 302);
    };
    const fail = (status: number, message: string) => {
      ctx.audit({ action: 'login', resource: 'session', object: 'sso', result: 'denied', message });
      if (pending?.returnTo) return toCli({ error: message });
      return sendError(reply, status, message);
    };
    if (typeof query.error === 'string') {
      return fail(
        401,
        `the identity provider refused the login: ${query.error.replace(/[^\w.-]/g, '').slice(0, 100)}`,
      );
    }
    if (!pending?.state || !pending.verifier) {
      return fail(400, 'this login expired or was started in another browser; start again at /auth/login');
    }
    try {
      const config = await discover();
      const current = new URL(options.redirectUrl);
      current.search = new URL(req.url, 'http://callback.invalid').search;
      const tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims?.sub) return fail(401, 'the identity provider returned no subject');
      const groupsClaim = ctx.groupsClaim;
      let groups = claims[groupsClaim];
      // Providers that follow the spec strictly put extra claims in userinfo only, not in the ID token.
      if (groups === undefined)
        groups = (await client.fetchUserInfo(config, tokens.access_token, claims.sub))[groupsClaim];
      if (isReservedName(claims.sub)) {
        return fail(
          403,
          `the subject "${claims.sub}" is reserved in Tiphys and cannot log in by single sign-on`,
        );
      }
      const identity = { subject: claims.sub, groups: groupsFromClaim(groups), kind: 'sso' as const };
      const { token } = issueSession(ctx, identity.subject, identity.groups, 'sso');
      ctx.audit({
        identity,
        action: 'login',
        resource: 'session',
        object: identity.subject,
        result: 'success',
        ...(pending.returnTo ? { message: 'session for tiphys login --sso' } : {}),
      });
      // The CLI's session is its own: the browser gets no cookie, so its logout cannot end it.
      if (pending.returnTo) return toCli({ token });
      setSessionCookie(req, reply, token);
      return reply.header('cache-control', 'no-store').redirect('/', 302);
    } catch (error) {
      if (error instanceof SessionTooLargeError) return fail(400, error.message);
      return fail(401, `single sign-on failed: ${reason(error)}`);
    }
  });
}

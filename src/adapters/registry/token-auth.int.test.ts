// The registry client's Bearer flow against a real registry: the testbed's distribution registry
// configured with token auth (auth.token: realm, service, issuer, root certificate bundle), and a
// token service written here that checks the client's Basic credentials and signs JWTs (ES256,
// the signing certificate in the x5c header, issued by the testbed CA the registry trusts). The
// registry verifies every token itself, so a token it accepts proves the realm/service/scope flow.
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ensureTestbedCa, issueCertificate } from '../../../testbed/src/ca.ts';
import { pushProbeImage } from '../../../testbed/src/node/real-node-kit.ts';
import { startRegistry, type TestRegistry } from '../../../testbed/src/registry.ts';
import { RegistryClient, RegistryError } from './client.ts';

const SERVICE = 'tiphys-test-registry';
const ISSUER = 'tiphys-test-token-service';
const USER = 'ci';
const PASSWORD = randomBytes(12).toString('base64url');

interface TokenRequest {
  service: string | null;
  scope: string | null;
  authorization: string | undefined;
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

describe('Bearer token auth against the testbed registry', { timeout: 300_000 }, () => {
  let scratch: string;
  let source: TestRegistry;
  let registry: TestRegistry;
  let lookAlike: TestRegistry;
  let tokens: Server;
  let lookAlikeTokens: Server;
  let caPem: string;
  const seen: TokenRequest[] = [];
  const seenByLookAlike: TokenRequest[] = [];
  let forge = false;

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'tiphys-token-auth-'));
    const ca = await ensureTestbedCa();
    caPem = ca.pem;
    const serving = await issueCertificate(ca, {
      dir: scratch,
      name: 'token-service',
      commonName: 'tiphys test token service',
      ips: ['127.0.0.1'],
      dnsNames: ['localhost'],
      usage: 'server',
    });
    const signing = await issueCertificate(ca, {
      dir: scratch,
      name: 'token-signer',
      commonName: 'tiphys test token signer',
      usage: 'client',
    });
    const signer = createPrivateKey(await readFile(signing.keyPath, 'utf8'));
    const x5c = new X509Certificate(await readFile(signing.certPath, 'utf8')).raw.toString('base64');
    const forged = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

    /** Signs a token granting pull on the scope's repository, as Docker's token services answer. */
    const token = (scope: string) => {
      const [type, name, actions] = scope.split(':');
      const now = Math.floor(Date.now() / 1000);
      const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'ES256', x5c: [x5c] }));
      const claims = b64url(
        JSON.stringify({
          iss: ISSUER,
          sub: USER,
          aud: SERVICE,
          exp: now + 300,
          nbf: now - 10,
          iat: now,
          jti: randomBytes(8).toString('hex'),
          access: [{ type, name, actions: actions.split(',').filter((a) => a === 'pull') }],
        }),
      );
      const signature = sign('sha256', Buffer.from(`${header}.${claims}`), {
        key: forge ? forged : signer,
        dsaEncoding: 'ieee-p1363',
      });
      return `${header}.${claims}.${b64url(signature)}`;
    };
    const tls = { cert: await readFile(serving.certPath), key: await readFile(serving.keyPath) };
    const tokenService = (log: TokenRequest[]) =>
      createServer(tls, (req, res) => {
        const url = new URL(req.url ?? '/', 'https://token.local');
        log.push({
          service: url.searchParams.get('service'),
          scope: url.searchParams.get('scope'),
          authorization: req.headers.authorization,
        });
        res.setHeader('content-type', 'application/json');
        const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
        if (log !== seen || req.headers.authorization !== expected) {
          res.statusCode = 401;
          return res.end('{"errors":[{"code":"UNAUTHORIZED"}]}');
        }
        res.end(JSON.stringify({ token: token(url.searchParams.get('scope') ?? ''), expires_in: 300 }));
      });
    tokens = tokenService(seen);
    await new Promise<void>((resolve) => tokens.listen(0, '127.0.0.1', resolve));
    lookAlikeTokens = tokenService(seenByLookAlike);
    // The look-alike realm is `localhost`: the same machine under another name.
    await new Promise<void>((resolve) => lookAlikeTokens.listen(0, '127.0.0.1', resolve));

    // Images are pushed through a basic-auth registry; the token registries serve its storage.
    source = await startRegistry();
    for (const tag of ['1.0.0', '1.0.1']) await pushProbeImage(source, 'team/hello', tag);
    const auth = (realm: string) => ({
      realm,
      service: SERVICE,
      issuer: ISSUER,
      rootCertBundle: ca.certPath,
    });
    registry = await startRegistry({
      storageDir: join(source.dir, 'data'),
      tokenAuth: auth(`https://127.0.0.1:${(tokens.address() as AddressInfo).port}/token`),
    });
    lookAlike = await startRegistry({
      storageDir: join(source.dir, 'data'),
      tokenAuth: auth(`https://localhost:${(lookAlikeTokens.address() as AddressInfo).port}/token`),
    });
  });

  after(async () => {
    await new Promise((resolve) => tokens?.close(resolve));
    await new Promise((resolve) => lookAlikeTokens?.close(resolve));
    await registry?.stop();
    await lookAlike?.stop();
    await source?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  const client = (target: TestRegistry, password = PASSWORD) =>
    new RegistryClient({
      registry: target.host,
      credentials: { username: USER, password },
      ca: caPem,
      maxAttempts: 1,
    });

  test('the challenge leads to the realm with service and scope; the registry accepts the signed token', async () => {
    seen.length = 0;
    assert.deepEqual(await client(registry).listTags('team/hello'), ['1.0.0', '1.0.1']);
    assert.deepEqual(
      seen.map((r) => [r.service, r.scope, r.authorization?.split(' ')[0]]),
      [[SERVICE, 'repository:team/hello:pull', 'Basic']],
    );
  });

  test('wrong credentials: the token service refuses them and the scan says so, password not shown', async () => {
    await assert.rejects(client(registry, 'not-the-password').listTags('team/hello'), (error: Error) => {
      assert.ok(error instanceof RegistryError);
      assert.match(error.message, /token service of 127\.0\.0\.1:\d+ refused the credentials \(401\)/);
      assert.doesNotMatch(error.message, /not-the-password/);
      return true;
    });
  });

  test('a token the registry cannot verify (signed by another key) is refused by the registry', async () => {
    forge = true;
    try {
      await assert.rejects(client(registry).listTags('team/hello'), RegistryError);
    } finally {
      forge = false;
    }
  });

  test('attacker: a realm on a look-alike host (localhost for 127.0.0.1) never receives the credentials', async () => {
    seenByLookAlike.length = 0;
    let message = '';
    await assert.rejects(client(lookAlike).listTags('team/hello'), (error: Error) => {
      message = error.message;
      return error instanceof RegistryError;
    });
    assert.ok(seenByLookAlike.length > 0, `the client asked the realm (anonymously): ${message}`);
    for (const request of seenByLookAlike) assert.equal(request.authorization, undefined);
  });
});

// SOPS-encrypted Secrets in Git, end to end: encrypted by the real `sops` (built from Go modules
// by testbed/build.sh) to a project's age key kept in a Secret of Tiphys's namespace; the
// controller decrypts and applies them. As an attacker would try: another team's app pointing at
// the same encrypted file, a file changed after encryption, an encrypted ConfigMap (a kind no view
// masks); and every door where a value could show (app get, manifests, diff, preview, events).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import type { FastifyInstance } from 'fastify';
import { loadKubeConfig } from '../../src/adapters/kube/install.ts';
import type { Controller } from '../../src/controller/controller.ts';
import type { Application } from '../../src/core/model/application.ts';
import { buildServer } from '../../src/server/app.ts';
import { type AuthService, createAuthService, ensureAdminAccount } from '../../src/server/auth/index.ts';
import { ensureTestbedBinary } from '../../testbed/src/binaries.ts';
import {
  createApp,
  type Env,
  initialAdminPassword,
  NAMESPACE,
  readObject,
  startEnv,
  startInProcessController,
  syncedAndHealthy,
  waitForApp,
} from './support.ts';

const PLAIN = 'sops-plain-value-never-shown';
const automated = { automated: { prune: true, selfHeal: true }, syncOptions: ['CreateNamespace=true'] };
const conditionOf = (app: Application, type: string) =>
  app.status?.conditions?.find((c) => c.type === type)?.message;

describe('SOPS-encrypted Secrets', () => {
  let env: Env;
  let controller: Controller;
  let auth: AuthService;
  let server: FastifyInstance;
  let base: string;
  let work: string;
  let token: string;
  let repo: string;

  async function encrypt(recipient: string, text: string): Promise<string> {
    const file = join(work, `doc-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, text);
    const sops = await ensureTestbedBinary('sops');
    const { stdout } = await promisify(execFile)(
      sops,
      ['encrypt', '--age', recipient, '--encrypted-regex', '^(data|stringData)$', file],
      { env: { PATH: process.env.PATH, HOME: work } },
    );
    return stdout;
  }

  async function keySecret(project: string, identity: string): Promise<void> {
    await env.rest.request('POST', `/api/v1/namespaces/${NAMESPACE}/secrets`, {
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: `sops-${project}`,
          labels: { 'tiphys.dev/secret-type': 'sops-age', 'tiphys.dev/project': project },
        },
        stringData: { 'keys.agekey': `# ${project}\n${identity}\n` },
      },
    });
  }

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'tiphys-sops-e2e-'));
    env = await startEnv('sops');
    const [teamA, teamB] = [await generateIdentity(), await generateIdentity()];
    const recipientA = await identityToRecipient(teamA);
    const secret = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\nstringData:\n  password: ${PLAIN}\n`;
    const encrypted = await encrypt(recipientA, secret);
    const tampered = encrypted.replace('name: db', 'name: db-renamed');
    const configMap = await encrypt(
      recipientA,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain-view\ndata:\n  password: ${PLAIN}\n`,
    );
    await env.git.createRepo('secrets');
    await env.git.commitFiles(
      'secrets',
      {
        'shop/db.yaml': encrypted,
        'shop/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shop\ndata:\n  a: b\n',
        'tampered/db.yaml': tampered,
        'configmap/cm.yaml': configMap,
      },
      'encrypted Secrets',
    );
    repo = env.git.repoUrl('secrets');
    const projects = `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/appprojects`;
    for (const name of ['team-a', 'team-b'])
      await env.rest.request('POST', projects, {
        body: {
          apiVersion: 'tiphys.dev/v1alpha1',
          kind: 'AppProject',
          metadata: { name },
          spec: { sourceRepos: ['*'], destinations: [{ cluster: '*', namespace: '*' }] },
        },
      });
    await keySecret('team-a', teamA);
    await keySecret('team-b', teamB);
    const kubeConfig = loadKubeConfig(env.cluster.kubeconfigPath);
    await ensureAdminAccount(kubeConfig, NAMESPACE);
    controller = startInProcessController(env);
    await controller.start();
    auth = await createAuthService({ kubeConfig, namespace: NAMESPACE, log: () => {} });
    server = await buildServer({
      kubeConfig,
      namespace: NAMESPACE,
      auth,
      controller,
      tools: env.tools,
      uiDir: '/nonexistent',
    });
    base = (await server.listen({ port: 0, host: '127.0.0.1' })).replace(/\/$/, '');
    const login = await fetch(`${base}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: await initialAdminPassword(env) }),
    });
    token = ((await login.json()) as { token: string }).token;
  });
  after(async () => {
    await server?.close();
    await controller?.stop();
    await env?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('a Secret encrypted to the project key is decrypted and applied', async () => {
    await createApp(env, 'shop', {
      project: 'team-a',
      source: { repoURL: repo, path: 'shop' },
      destination: { namespace: 'shop' },
      syncPolicy: automated,
    });
    await waitForApp(env, 'shop', syncedAndHealthy, 'Synced and Healthy', 120_000);
    const live = await readObject(env, '/api/v1/namespaces/shop/secrets/db');
    assert.equal(
      Buffer.from(String((live?.data as Record<string, string>)?.password), 'base64').toString(),
      PLAIN,
    );
    assert.equal((live as Record<string, unknown>)?.sops, undefined, 'the sops metadata is not applied');
  });

  test("another project's app, a changed file, an encrypted ConfigMap: a condition, nothing written", async () => {
    for (const [name, project, path] of [
      ['thief', 'team-b', 'shop'],
      ['tampered', 'team-a', 'tampered'],
      ['configmap', 'team-a', 'configmap'],
    ])
      await createApp(env, name, {
        project,
        source: { repoURL: repo, path },
        destination: { namespace: name },
        syncPolicy: automated,
      });
    const expected: Record<string, RegExp> = {
      thief: /Secret db: none of the project's age keys opens it \(encrypted for age1/,
      tampered: /Secret db-renamed: the MAC does not match: the document was changed after it was encrypted/,
      configmap: /ConfigMap plain-view: only a Secret \(v1\) may be SOPS-encrypted/,
    };
    for (const [name, pattern] of Object.entries(expected)) {
      const app = await waitForApp(env, name, (a) => !!conditionOf(a, 'ComparisonError'), 'a condition');
      assert.match(conditionOf(app, 'ComparisonError') ?? '', pattern);
      assert.equal(
        await readObject(env, `/api/v1/namespaces/${name}`),
        undefined,
        `namespace ${name} not created`,
      );
    }
  });

  test('no door shows the decrypted value: app get, manifests, diff, preview, events', async () => {
    await waitForApp(env, 'shop', syncedAndHealthy, 'Synced and Healthy');
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await response.text();
      assert.equal(response.status, 200, `${method} ${path}: ${text}`);
      return text;
    };
    const app = '/api/v1/applications/shop';
    const texts = [
      await call('GET', app),
      await call('GET', `${app}/manifests?kind=Secret&namespace=shop&name=db`),
      await call('GET', `${app}/diff`),
      await call('POST', `${app}/preview`, { revision: 'main' }),
      await call('GET', `${app}/events`),
      await call('GET', '/api/v1/applications/thief'),
      JSON.stringify(await env.rest.request('GET', `/api/v1/namespaces/${NAMESPACE}/events`)),
    ];
    assert.match(texts[1], /"kind":"Secret"/, 'the manifests view did show the Secret');
    assert.match(texts[1], /\+\+\+\+/, 'masked');
    for (const text of texts) assert.doesNotMatch(text, new RegExp(PLAIN));
  });
});

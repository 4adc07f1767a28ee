import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { ObjectSerializer } from './serializer.ts';

const root = new URL('../../../../', import.meta.url);
const GENERATED = /\/@kubernetes\/client-node\/dist\/gen\/(models|apis|types)\//;

/**
 * The modules a fresh process loads when it imports what `tiphys controller` and `tiphys server`
 * import, with or without the hooks, and what the client's KubeConfig and ListWatch do there.
 */
function loadInChild(lean: boolean): { loaded: string[]; authorization: string; selector: string } {
  const script = `
    import { registerHooks } from 'node:module';
    const root = ${JSON.stringify(root.href)};
    if (${lean}) (await import(new URL('src/adapters/kube/lean-client/hooks.ts', root).href)).keepKubeClientLean();
    const loaded = [];
    registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
    for (const file of ['src/main/program.ts', 'src/adapters/kube/kubeconfig.ts', 'src/controller/controller.ts',
      'src/adapters/health/health-settings.ts', 'src/controller/http.ts', 'src/server/app.ts'])
      await import(new URL(file, root).href);
    const { remoteKubeConfig } = await import(new URL('src/adapters/kube/connection.ts', root).href);
    const kc = remoteKubeConfig('c', 'https://c.example:6443', { bearerToken: 'secret-token' });
    const options = { headers: {} };
    await kc.applyToHTTPSOptions(options);
    const { ListWatch } = await import('@kubernetes/client-node/dist/cache.js');
    let selector = '';
    const watch = { watch: async (path, query) => { selector = query.labelSelector; return { abort() {} }; } };
    const informer = new ListWatch('/api/v1/configmaps', watch, async () => ({ metadata: { resourceVersion: '1' }, items: [] }), false, 'app=a');
    await informer.start();
    await informer.stop();
    console.log(JSON.stringify({ loaded, authorization: options.headers.Authorization, selector }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}');
}

test('with the hooks, the controller and server load the client without its generated API code', () => {
  const lean = loadInChild(true);
  assert.ok(lean.loaded.some((url) => url.endsWith('/@kubernetes/client-node/dist/config.js')));
  assert.ok(lean.loaded.some((url) => url.endsWith('/@kubernetes/client-node/dist/cache.js')));
  assert.deepEqual(
    lean.loaded.filter((url) => GENERATED.test(url)),
    [],
  );
  // The client still authenticates and passes selectors as it does with all of its code.
  assert.equal(lean.authorization, 'Bearer secret-token');
  assert.equal(lean.selector, 'app=a');
});

test('without the hooks the same imports load the generated code (what the first test guards)', () => {
  const full = loadInChild(false);
  assert.ok(full.loaded.filter((url) => GENERATED.test(url)).length > 500);
  assert.equal(full.authorization, 'Bearer secret-token');
  assert.equal(full.selector, 'app=a');
});

test('the serializer stand-in passes strings through and refuses anything else', () => {
  assert.equal(ObjectSerializer.serialize('app=a,tier!=web', 'string'), 'app=a,tier!=web');
  assert.throws(() => ObjectSerializer.serialize({}, 'V1LabelSelector'), /strings only, not V1LabelSelector/);
});

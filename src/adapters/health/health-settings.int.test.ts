// HealthSettings against a real API server: the health customizations of tiphys-cm apply as
// soon as the watch sees them, an edit replaces them, a deletion returns to the built-in checks,
// and a bad key is reported while the good ones still apply.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { startCluster, type TestCluster } from '../../../testbed/src/cluster.ts';
import type { KubeObject } from '../../core/manifest/object.ts';
import { KubeRest } from '../kube/rest.ts';
import { HealthSettings } from './health-settings.ts';

const namespace = 'tiphys';
const path = `/api/v1/namespaces/${namespace}/configmaps`;
const widget: KubeObject = {
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  metadata: { name: 'w' },
  status: { conditions: [{ type: 'Ready', status: 'True', message: 'ready' }] },
};
const certificate: KubeObject = {
  apiVersion: 'cert-manager.io/v1',
  kind: 'Certificate',
  metadata: { name: 'tls' },
  status: { conditions: [{ type: 'Ready', status: 'True', message: 'issued' }] },
};

let cluster: TestCluster;
let rest: KubeRest;
let settings: HealthSettings;

/** Waits for the watch to deliver: the assessor's answer is the observable state. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

before(async () => {
  cluster = await startCluster({ name: 'health-settings' });
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  rest = new KubeRest(kc);
  await rest.request('POST', '/api/v1/namespaces', { body: { metadata: { name: namespace } } });
  settings = new HealthSettings(kc, namespace);
  await settings.start();
});
after(async () => {
  await settings?.stop();
  rest?.close();
  await cluster?.stop();
});

test('without tiphys-cm the built-in and generic checks apply', async () => {
  assert.deepEqual(await settings.assess(widget), { status: 'Healthy', message: 'ready' });
  assert.deepEqual(await settings.assess(certificate), { status: 'Healthy', message: 'issued' });
});

test('Lua and CEL keys of tiphys-cm take over their kinds; an edit and a deletion take effect', async () => {
  await rest.request('POST', path, {
    body: {
      metadata: { name: 'tiphys-cm' },
      data: {
        'resource.customizations.health.example.com_Widget':
          'return { status = "Degraded", message = "from Lua: " .. obj.metadata.name }',
        'resource.customizations.health.cel.cert-manager.io_Certificate': 'current: "false"\nfailed: "true"',
        'resource.customizations.health.cel.example.com_Broken': 'current: "status.x =="',
      },
    },
  });
  await until(async () => (await settings.assess(widget))?.status === 'Degraded', 'the Lua check');
  assert.deepEqual(await settings.assess(widget), { status: 'Degraded', message: 'from Lua: w' });
  assert.deepEqual(await settings.assess(certificate), { status: 'Degraded', message: 'issued' });
  assert.equal(settings.configurationErrors().length, 1);
  assert.match(settings.configurationErrors()[0], /example\.com_Broken: current: /);

  await rest.request('PATCH', `${path}/tiphys-cm`, {
    body: {
      data: { 'resource.customizations.health.example.com_Widget': 'return { status = "Suspended" }' },
    },
    contentType: 'application/merge-patch+json',
  });
  await until(async () => (await settings.assess(widget))?.status === 'Suspended', 'the edited script');

  await rest.request('DELETE', `${path}/tiphys-cm`);
  await until(async () => (await settings.assess(widget))?.status === 'Healthy', 'the built-in checks again');
  assert.deepEqual(await settings.assess(certificate), { status: 'Healthy', message: 'issued' });
  assert.deepEqual(settings.configurationErrors(), []);
});

// The README's run command, end to end: `npm run demo` builds nothing it has, starts a cluster,
// installs Tiphys, serves the project's examples from Git, runs the controller and the API
// server, and every example app becomes Synced and Healthy.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { downNamedCluster } from '../../testbed/src/named-clusters.ts';
import { freePorts } from '../../testbed/src/ports.ts';

const cluster = `e2e-demo-${process.pid}`;
after(async () => {
  await downNamedCluster(cluster);
});

test('the demo brings every example app to Synced and Healthy and prints the URL and login', async () => {
  const [port] = await freePorts(1);
  const script = join(import.meta.dirname, '..', '..', 'scripts', 'demo.ts');
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
    (resolve) => {
      execFile(
        process.execPath,
        [script],
        {
          env: {
            ...process.env,
            TIPHYS_DEMO_EXIT: '1',
            TIPHYS_DEMO_CLUSTER: cluster,
            TIPHYS_DEMO_PORT: String(port),
          },
          timeout: 240_000,
          killSignal: 'SIGKILL',
        },
        (error, out, err) =>
          resolve({
            code: typeof error?.code === 'number' ? error.code : error ? 1 : 0,
            stdout: out,
            stderr: err,
          }),
      );
    },
  );
  assert.equal(code, 0, `${stdout}\n${stderr.slice(-3000)}`);
  assert.match(stdout, new RegExp(`Web UI and API: +http://127\\.0\\.0\\.1:${port}`));
  // generatePassword's form (18 random bytes, base64url), not the "(already revealed …)" fallback.
  assert.match(stdout, /^ *Login: +admin \/ [A-Za-z0-9_-]{24}$/m);
  assert.match(stdout, /All 5 applications are Synced and Healthy/);
});

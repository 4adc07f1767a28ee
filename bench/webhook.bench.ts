// Commit-to-synced latency through the webhook: a 50-object app (45 ConfigMaps + 5 Deployments)
// is synced by `tiphys controller` running as a real process; each round commits a change to
// every ConfigMap, POSTs a GitHub push event to the controller's /webhook and times until the
// app reports the new commit as its synced revision. Target: median < 3 s.
// Floors: `git ls-remote` of the repo (one Git round trip), and the commit + push itself.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createApp, getApp, startControllerProcess, startEnv, waitForApp } from '../test/e2e/support.ts';
import { freePorts } from '../testbed/src/ports.ts';
import {
  automatedSpec,
  configMapYaml,
  deploymentYaml,
  pollUntil,
  stopChild,
  syncSucceeded,
  waitForHttp,
  writeFiles,
} from './gitops.ts';
import { median, report, timeIt } from './stats.ts';

const run = promisify(execFile);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const namespace = 'bench-webhook';
const configMapNames = Array.from({ length: 45 }, (_, i) => `cm-${String(i).padStart(2, '0')}`);

function configMapFiles(value: string): Record<string, string> {
  return Object.fromEntries(
    configMapNames.map((name) => [`app/${name}.yaml`, configMapYaml(name, namespace, value)]),
  );
}

const work = mkdtempSync(join(tmpdir(), 'tiphys-bench-webhook-'));
const env = await startEnv('bench-webhook');
const [port] = await freePorts(1);
const controller = startControllerProcess(env, ['--port', String(port), '--no-leader-election']);
const lsRemotes: number[] = [];
const pushes: number[] = [];
const latencies: number[] = [];
try {
  const deployments = Object.fromEntries(
    Array.from({ length: 5 }, (_, i) => [`app/deploy-${i}.yaml`, deploymentYaml(`deploy-${i}`, namespace)]),
  );
  writeFiles(work, { ...configMapFiles('initial'), ...deployments });
  const { url } = await env.git.createRepo('webhook', work);
  await waitForHttp(`http://127.0.0.1:${port}/healthz`);
  await createApp(env, 'webhook', automatedSpec(url, 'app', namespace));
  await waitForApp(env, 'webhook', syncSucceeded, 'first sync', 120_000);

  const hook = JSON.stringify({
    ref: 'refs/heads/main',
    repository: { clone_url: url, default_branch: 'main' },
  });
  for (let round = 0; round < rounds; round++) {
    lsRemotes.push(await timeIt(() => run('git', ['ls-remote', url, 'refs/heads/main'])));
    let commit = '';
    pushes.push(
      await timeIt(async () => {
        commit = await env.git.commitFiles('webhook', configMapFiles(`round ${round}`), `round ${round}`);
      }),
    );
    const start = performance.now();
    const response = await fetch(`http://127.0.0.1:${port}/webhook`, {
      method: 'POST',
      headers: { 'x-github-event': 'push', 'content-type': 'application/json' },
      body: hook,
    });
    const answer = (await response.json()) as { refreshed?: number };
    if ((answer.refreshed ?? 0) < 1)
      throw new Error(`the webhook refreshed ${JSON.stringify(answer)}, not the app`);
    latencies.push(
      await pollUntil(
        `revision ${commit.slice(0, 7)} Synced`,
        async () => {
          const sync = (await getApp(env, 'webhook')).status?.sync;
          return sync?.revision === commit && sync.status === 'Synced';
        },
        {
          start,
          intervalMs: 20,
          timeoutMs: 60_000,
          describe: async () => JSON.stringify((await getApp(env, 'webhook')).status, null, 1).slice(0, 3000),
        },
      ),
    );
    console.log(`round ${round + 1}/${rounds}: webhook to Synced ${latencies.at(-1)?.toFixed(0)} ms`);
    // Let the controller's follow-up reconcile finish before the next commit.
    await waitForApp(env, 'webhook', syncSucceeded, `settled after round ${round + 1}`, 60_000);
  }
} finally {
  await stopChild(controller);
  await env.stop();
  rmSync(work, { recursive: true, force: true });
}
const floor = { name: 'git ls-remote', value: median(lsRemotes) };
report(`git ls-remote of the config repo (median of ${rounds})`, floor.value, 'ms');
report(`commit + push of 45 changed files (median of ${rounds})`, median(pushes), 'ms', floor);
report(`webhook to Synced at the new commit (median of ${rounds})`, median(latencies), 'ms', floor, {
  max: 3000,
  source: 'issue 3',
});
report(`webhook to Synced, vs the push (median of ${rounds})`, median(latencies), 'ms', {
  name: 'commit + push',
  value: median(pushes),
});

// First sync of a large app: 500 ConfigMaps + 50 Deployments, from Application creation to
// Synced with the operation Succeeded (in-process controller started beforehand).
// Floor: `kubectl apply --server-side` of the same manifests (plus their Namespace) into another
// namespace of the same cluster, timed end to end. Target: ratio ≤ 1.2 (issue 10). Five rounds by default
// (BENCH_ROUNDS), alternating which side runs first, so neither always meets a cluster warmed (or
// still busy) from the other.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createApp, NAMESPACE, readObject, startEnv, startInProcessController } from '../test/e2e/support.ts';
import { ensureTestbedBinaries } from '../testbed/src/binaries.ts';
import {
  automatedSpec,
  configMapYaml,
  deploymentYaml,
  pollUntil,
  syncSucceeded,
  watchAppUntil,
  writeFiles,
} from './gitops.ts';
import { median, report, timeIt } from './stats.ts';

const run = promisify(execFile);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const configMaps = Number(process.env.BENCH_CONFIGMAPS ?? 500);
const deployments = Number(process.env.BENCH_DEPLOYMENTS ?? 50);

function manifests(namespace: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < configMaps; i++) {
    const name = `cm-${String(i).padStart(4, '0')}`;
    files[`${name}.yaml`] = configMapYaml(name, namespace, `value ${i}`);
  }
  for (let i = 0; i < deployments; i++) {
    const name = `deploy-${String(i).padStart(3, '0')}`;
    files[`${name}.yaml`] = deploymentYaml(name, namespace, 1);
  }
  return files;
}

const { kubectl } = await ensureTestbedBinaries();
const work = mkdtempSync(join(tmpdir(), 'tiphys-bench-sync-'));
const env = await startEnv('bench-sync');
const controller = startInProcessController(env);
const kubectlTimes: number[] = [];
const tiphysTimes: number[] = [];
try {
  await controller.start();
  for (let round = 0; round < rounds; round++) {
    const suffix = rounds > 1 ? `-${round}` : '';
    const kubectlNs = `bench-kubectl${suffix}`;
    const tiphysNs = `bench-sync${suffix}`;

    // (a) floor: the Namespace sorts first, so one apply creates it and then everything in it.
    const floorRound = async () => {
      const kubectlDir = join(work, `kubectl${round}`);
      writeFiles(kubectlDir, {
        ...manifests(kubectlNs),
        '0-namespace.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${kubectlNs}\n`,
      });
      kubectlTimes.push(
        await timeIt(() =>
          run(
            kubectl,
            [
              '--kubeconfig',
              env.cluster.kubeconfigPath,
              'apply',
              '--server-side',
              '--field-manager=bench',
              '-f',
              kubectlDir,
            ],
            { maxBuffer: 16 * 1024 * 1024 },
          ),
        ),
      );
    };

    // (b) Tiphys: the same manifests in Git, one automated Application.
    const tiphysRound = async () => {
      const repoDir = join(work, `repo${round}`);
      writeFiles(repoDir, manifests(tiphysNs));
      const repo = `sync${round}`;
      const { url } = await env.git.createRepo(repo, repoDir);
      const app = `sync${round}`;
      // Watched from before the creation, so no status write is missed.
      const start = performance.now();
      // When each stage was first seen, to tell where the time goes.
      const stages = new Map<string, number>();
      const synced = watchAppUntil(env.rest, NAMESPACE, app, syncSucceeded, {
        start,
        timeoutMs: 600_000,
        onStatus: ({ status }) => {
          const stage = `sync ${status?.sync?.status ?? '-'}, operation ${status?.operationState?.phase ?? '-'}`;
          if (!stages.has(stage)) stages.set(stage, performance.now() - start);
        },
      });
      synced.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
      await createApp(env, app, automatedSpec(url, '.', tiphysNs));
      tiphysTimes.push(await synced);
      console.log(
        `  stages: ${[...stages].map(([stage, ms]) => `${stage} at ${ms.toFixed(0)} ms`).join('; ')}`,
      );
    };
    const kubectlFirst = round % 2 === 0;
    for (const side of kubectlFirst ? [floorRound, tiphysRound] : [tiphysRound, floorRound]) await side();
    console.log(
      `round ${round + 1}/${rounds} (${kubectlFirst ? 'kubectl' : 'tiphys'} first): kubectl ${kubectlTimes.at(-1)?.toFixed(0)} ms, tiphys ${tiphysTimes.at(-1)?.toFixed(0)} ms`,
    );
    // The next round starts without this app being reconciled in the background. It has no
    // resources finalizer, so its objects stay: deleting them would load the cluster as well.
    if (round + 1 < rounds) {
      const app = `sync${round}`;
      const appPath = `/apis/tiphys.dev/v1alpha1/namespaces/${NAMESPACE}/applications/${app}`;
      await env.rest.request('DELETE', appPath);
      await pollUntil(`${app} deleted`, async () => (await readObject(env, appPath)) === undefined, {
        intervalMs: 100,
        timeoutMs: 60_000,
      });
    }
  }
} finally {
  await controller.stop();
  await env.stop();
  rmSync(work, { recursive: true, force: true });
}
const objects = `${configMaps} ConfigMaps + ${deployments} Deployments`;
const floor = { name: 'kubectl apply --server-side', value: median(kubectlTimes) };
report(`kubectl apply --server-side, ${objects} (median of ${rounds})`, floor.value, 'ms');
report(`tiphys first sync, ${objects} (median of ${rounds})`, median(tiphysTimes), 'ms', floor, {
  max: 1.2,
  inclusive: true,
  of: 'ratio',
  source: 'issue 10',
});
if (rounds > 1) {
  const ratios = tiphysTimes.map((t, i) => t / kubectlTimes[i]);
  console.log(
    `tiphys/kubectl per round: ${ratios.map((r) => r.toFixed(2)).join(', ')}; median ${median(ratios).toFixed(2)}`,
  );
}

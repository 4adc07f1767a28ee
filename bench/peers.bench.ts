// Side by side with a peer: Flux (source-controller + kustomize-controller, built from Go modules
// by bench/peers/build-flux.sh into ~/.cache/tiphys/peers, once) and Tiphys, each on a FRESH
// testbed cluster, one at a time, same workload: one monorepo of PEERS_APPS directories × 10
// ConfigMaps (bench/peers/measure.ts says what is timed). Prints the table of medians with
// Tiphys / Flux per row; every row is "smaller is better", so a ratio below 1 is a lead.
// Knobs: PEERS_RUNS (3; 1 for a quick check), PEERS_APPS (200), PEERS_ROUNDS (commits per run,
// 2), PEERS_CONFIGS ("tiphys flux:10"; tool:N sets --concurrency / --concurrent),
// PEERS_IDLE_SECONDS (30), PEERS_TMPDIR (scratch of both tools, /dev/shm: on disk Flux untars
// the whole monorepo per reconcile and measures the disk instead), PEERS_OUT (results folder),
// PEERS_TIPHYS_NODE_ARGS (Node options of the Tiphys controller only, to profile it).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTestbedBinaries } from '../testbed/src/binaries.ts';
import { downNamedCluster, upNamedCluster } from '../testbed/src/named-clusters.ts';
import { type PeerResult, peersTable } from './peers/table.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const runs = Number(process.env.PEERS_RUNS ?? 3);
const apps = Number(process.env.PEERS_APPS ?? 200);
const rounds = Number(process.env.PEERS_ROUNDS ?? 2);
const idleSeconds = Number(process.env.PEERS_IDLE_SECONDS ?? 30);
const configs = (process.env.PEERS_CONFIGS ?? 'tiphys flux:10').split(/\s+/).filter(Boolean);
const scratch = process.env.PEERS_TMPDIR ?? '/dev/shm';
const fluxDir =
  process.env.FLUX_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'tiphys/peers/flux');
const out =
  process.env.PEERS_OUT ?? join(fluxDir, '..', 'results', new Date().toISOString().replace(/[:.]/g, '-'));
mkdirSync(out, { recursive: true });

const binaries = await ensureTestbedBinaries({ log: (line) => console.error(line) });
if (configs.some((c) => c.startsWith('flux'))) {
  // Built once (several minutes on 2 cores), then reused while the binaries are in the cache.
  const built = spawnSync(join(here, 'peers/build-flux.sh'), {
    env: { ...process.env, FLUX_DIR: fluxDir },
    stdio: 'inherit',
  });
  if (built.status !== 0) throw new Error(`building Flux failed (${join(here, 'peers/build-flux.sh')})`);
}

/** Stops what a measurement started if it did not (killed, crashed): by the pids it recorded. */
function killRecorded(pidFile: string): void {
  if (!existsSync(pidFile)) return;
  for (const line of readFileSync(pidFile, 'utf8').split('\n')) {
    const [pid, cmd] = [Number(line.split(' ')[0]), line.slice(line.indexOf(' ') + 1)];
    if (!pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(cmd))
        process.kill(pid, 'SIGKILL');
    } catch {}
  }
}

const results: PeerResult[] = [];
for (let run = 1; run <= runs; run++) {
  for (const config of configs) {
    const [tool, concurrent] = config.split(':');
    const name = `peers-${tool}${concurrent ? `-c${concurrent}` : ''}-r${run}-${process.pid}`;
    console.error(`=== run ${run}/${runs}: ${config} (cluster ${name})`);
    const { cluster } = await upNamedCluster(name, () => {});
    const file = join(out, `${name}.json`);
    const pidFile = join(out, `${name}.pids`);
    try {
      const args = [join(here, 'peers/measure.ts'), '--tool', tool, '--kubeconfig', cluster.kubeconfigPath];
      args.push('--apps', String(apps), '--rounds', String(rounds), '--idle', String(idleSeconds));
      args.push('--out', file, '--pid-file', pidFile, '--bin-dir', binaries.dir);
      args.push('--flux-bin', join(fluxDir, 'bin'), '--flux-src', join(fluxDir, 'src'));
      if (concurrent) args.push('--concurrent', concurrent);
      const child = spawn(process.execPath, args, {
        env: { ...process.env, TMPDIR: scratch },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      await new Promise((resolve) => child.once('exit', resolve));
      if (existsSync(file)) results.push(JSON.parse(readFileSync(file, 'utf8')) as PeerResult);
      else
        results.push({
          tool,
          concurrent: Number(concurrent),
          apps,
          ok: false,
          error: 'no result written',
        } as PeerResult);
    } finally {
      killRecorded(pidFile);
      await downNamedCluster(name);
    }
  }
}
const lines = peersTable(results, idleSeconds);
writeFileSync(join(out, 'table.md'), `${lines.join('\n')}\n`);
console.log(
  `\n${apps} apps × 10 ConfigMaps, ${runs} run(s), ${rounds} commit(s) each, scratch ${scratch}; results in ${out}`,
);
for (const line of lines) console.log(line);
process.exit(results.every((r) => r.ok) ? 0 : 1);

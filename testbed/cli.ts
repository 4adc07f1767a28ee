// `npm run testbed -- up NAME [--real-node] | down NAME | down --all | status | registry up|down|status`:
// local clusters and an image registry for development.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ComponentName } from './src/component.ts';
import { downNamedCluster, listNamedClusters, upNamedCluster } from './src/named-clusters.ts';
import { downNamedRegistry, runningNamedRegistry, upNamedRegistry } from './src/named-registry.ts';
import { addSystemDirsToPath } from './src/system-path.ts';

const usage =
  'usage: npm run testbed -- up NAME [--real-node] | down NAME | down --all | status | registry up|down|status';
const components: ComponentName[] = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
];

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      all: { type: 'boolean', default: false },
      'real-node': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, name] = positionals;
  if (values.help || command === undefined) {
    console.log(usage);
    return command === undefined && !values.help ? 2 : 0;
  }
  switch (command) {
    case 'up': {
      if (!name) throw new Error(`up needs a cluster name\n${usage}`);
      const started = Date.now();
      const { cluster, already } = await upNamedCluster(name, (line) => console.error(line), {
        realNode: values['real-node'],
      });
      const took = ((Date.now() - started) / 1000).toFixed(1);
      console.error(already ? `cluster ${name} is already up` : `cluster ${name} is up in ${took} s`);
      console.error(`  server: ${cluster.server}`);
      if (cluster.realNode) {
        const net = cluster.realNode.network;
        console.error(`  real node: ${cluster.realNode.nodeName} at ${net.nodeIp} (netns ${net.netns})`);
        console.error(`  Pods: ${net.podCidr}, Services: ${net.serviceCidr} (routed from this host)`);
      }
      console.error(`  try:    kubectl --kubeconfig ${cluster.kubeconfigPath} get nodes`);
      console.log(cluster.kubeconfigPath);
      return 0;
    }
    case 'down': {
      const names = values.all ? listNamedClusters().map((c) => c.name) : name ? [name] : [];
      if (names.length === 0 && !values.all) throw new Error(`down needs a cluster name or --all\n${usage}`);
      for (const each of names) {
        console.log((await downNamedCluster(each)) ? `cluster ${each} is down` : `no cluster named ${each}`);
      }
      if (values.all && names.length === 0) console.log('no clusters');
      return 0;
    }
    case 'status': {
      const clusters = listNamedClusters();
      if (clusters.length === 0) console.log('no clusters');
      for (const cluster of clusters) {
        const parts = components.map((c) => `${c}=${cluster.isRunning(c) ? 'running' : 'stopped'}`);
        if (cluster.realNode)
          parts.push(`real-node=${(await cluster.realNodeIsRunning()) ? 'running' : 'stopped'}`);
        console.log(`${cluster.name}\t${cluster.server}\t${parts.join(' ')}\t${cluster.kubeconfigPath}`);
      }
      return 0;
    }
    case 'registry':
      return registryCommand(name);
    default:
      throw new Error(`unknown command "${command}"\n${usage}`);
  }
}

async function registryCommand(action: string | undefined): Promise<number> {
  switch (action) {
    case 'up': {
      const { registry, already } = await upNamedRegistry((line) => console.error(line));
      const clusters = listNamedClusters().filter((c) => c.realNode);
      for (const cluster of clusters)
        if (await cluster.realNodeIsRunning()) await cluster.trustRegistry(registry);
      console.error(already ? 'registry is already up' : 'registry is up');
      console.error(`  images:   ${registry.host}/<name>:<tag>`);
      console.error(`  CA:       ${registry.caPath}`);
      console.error(`  user:     ${registry.username}`);
      // The password stays in the registry's state file (mode 0600), never on the terminal.
      console.error(`  password: jq -r .password ${join(registry.dir, 'state.json')}`);
      console.log(registry.url);
      return 0;
    }
    case 'down':
      console.log((await downNamedRegistry()) ? 'registry is down' : 'no registry');
      return 0;
    case 'status': {
      const registry = runningNamedRegistry();
      console.log(registry ? `registry\t${registry.url}\trunning` : 'no registry running');
      return 0;
    }
    default:
      throw new Error(`registry needs up, down or status\n${usage}`);
  }
}

addSystemDirsToPath();
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(`testbed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}

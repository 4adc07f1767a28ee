// `npm run testbed -- up NAME | down NAME | down --all | status`: local clusters for development.
import { parseArgs } from 'node:util';
import type { ComponentName } from './src/component.ts';
import { downNamedCluster, listNamedClusters, upNamedCluster } from './src/named-clusters.ts';

const usage = 'usage: npm run testbed -- up NAME | down NAME | down --all | status';
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
    options: { all: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
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
      const { cluster, already } = await upNamedCluster(name, (line) => console.error(line));
      const took = ((Date.now() - started) / 1000).toFixed(1);
      console.error(already ? `cluster ${name} is already up` : `cluster ${name} is up in ${took} s`);
      console.error(`  server: ${cluster.server}`);
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
        console.log(`${cluster.name}\t${cluster.server}\t${parts.join(' ')}\t${cluster.kubeconfigPath}`);
      }
      return 0;
    }
    default:
      throw new Error(`unknown command "${command}"\n${usage}`);
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(`testbed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}

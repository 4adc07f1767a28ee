// The README's run command: starts a local testbed cluster named "demo" (building the Kubernetes
// binaries on first use) and prints how to reach it. It grows into the full Tiphys demo.
import { upNamedCluster } from '../testbed/src/named-clusters.ts';

const started = Date.now();
const { cluster, already } = await upNamedCluster('demo', (line) => console.error(line));
const took = ((Date.now() - started) / 1000).toFixed(1);
console.log(already ? 'The demo cluster is already up.' : `The demo cluster is up (${took} s).`);
console.log(`  API server:  ${cluster.server}`);
console.log(`  kubeconfig:  ${cluster.kubeconfigPath}`);
console.log(`  try:         kubectl --kubeconfig ${cluster.kubeconfigPath} get nodes`);
console.log('  stop it:     npm run testbed -- down demo');

// The recovery action of the recovery e2e test: what an administrator's provisioner does in a
// cloud, done with the testbed. `ok` starts a new testbed cluster (left running, in a folder under
// $RECOVERY_DIR the test stops afterwards) and prints its credentials as JSON; `fail` exits 1,
// `hang` never ends, `dead` prints credentials of a server nobody runs.
import { join } from 'node:path';
import { startCluster } from '../../testbed/src/cluster.ts';

const mode = process.argv[2] ?? 'ok';
const cluster = process.env.TIPHYS_CLUSTER ?? 'unnamed';

if (mode === 'fail') {
  console.error(
    `cannot create a cluster for ${cluster}: quota exceeded (token abcdefghijklmnopqrstuvwxyz0123456789 rejected)`,
  );
  process.exit(1);
} else if (mode === 'hang') {
  setInterval(() => {}, 60_000);
} else if (mode === 'dead') {
  console.log(JSON.stringify({ server: 'https://127.0.0.1:9', bearerToken: 'dead-token-value' }));
} else {
  const root = process.env.RECOVERY_DIR;
  if (!root) throw new Error('RECOVERY_DIR is not set');
  const started = await startCluster({
    name: `${cluster}-replacement`,
    dir: join(root, `${cluster}-${Date.now()}`),
    keepAlive: true,
  });
  console.log(JSON.stringify({ server: started.server, bearerToken: started.token, caData: started.ca }));
  process.exit(0);
}

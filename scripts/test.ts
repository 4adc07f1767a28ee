// Runs every test in one `node --test` run: unit tests beside the code, then the integration and
// end-to-end tests that need the testbed (real clusters, a Git server). Builds the testbed's
// binaries first (cached), so no test ever skips because a binary is missing.
//
// TIPHYS_TEST_SKIP_SLOW=1 lets a developer run only the fast tier; CI never sets it.
// Extra arguments are passed to node --test (for example --test-name-pattern=…).
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';
import { ensureNodeBinaries, ensureTestbedBinaries } from '../testbed/src/binaries.ts';
import { addSystemDirsToPath } from '../testbed/src/system-path.ts';
import {
  ensureChromium,
  ensureImageTools,
  ensureSchemathesis,
  ensureSsh,
  ensureUiBuilt,
} from './test-setup.ts';

const fastOnly = process.env.TIPHYS_TEST_SKIP_SLOW === '1' && process.env.CI !== 'true';
// `*.int.test.ts` beside the code need the testbed, like everything under testbed/ and test/.
const isIntegration = (file: string) => file.endsWith('.int.test.ts');
const unit = [
  ...globSync('src/**/*.test.ts'),
  ...globSync('ui/src/**/*.test.ts'),
  ...globSync('bench/**/*.test.ts'),
]
  .filter((file) => !isIntegration(file))
  .sort();
const slow = [
  ...globSync('src/**/*.int.test.ts'),
  ...globSync('testbed/**/*.test.ts'),
  ...globSync('test/**/*.test.ts'),
].sort();

// Before anything runs a system tool: a bare environment's PATH lacks the sbin folders.
addSystemDirsToPath();
// The unit tier needs ssh too (the Git credential tests ask ssh what it makes of the options).
ensureSsh();
const files = [...unit];
if (fastOnly) {
  console.error('TIPHYS_TEST_SKIP_SLOW=1: skipping the testbed and end-to-end tests');
} else {
  await ensureTestbedBinaries({ log: (line) => console.error(line) });
  // The real-node tests' binaries (kubelet, containerd, runc, CNI, CoreDNS): built here, not
  // inside a test's time limit.
  await ensureNodeBinaries({ log: (line) => console.error(line) });
  ensureChromium();
  ensureImageTools();
  ensureSchemathesis();
  ensureUiBuilt();
  files.push(...slow);
}
// Slow tests start real clusters; one file at a time keeps a 2-core machine responsive.
// --test-force-exit: a file whose tests have all ended is ended, even if a handle it leaked would
// keep it alive; otherwise one leak stalls the whole run until CI's time limit. Whether Tiphys's
// own processes exit by themselves is tested where it matters, on real processes (the CLI
// testkit's runTiphysProcess, controller-process.test.ts).
const result = spawnSync(
  process.execPath,
  [
    '--test',
    '--test-concurrency=1',
    '--test-force-exit',
    '--test-reporter=spec',
    ...process.argv.slice(2),
    ...files,
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);

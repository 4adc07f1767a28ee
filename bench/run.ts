// `npm run bench`: runs every bench/*.bench.ts in turn (or those named on the command line).
// Each prints its figures as ratios against a floor measured in the same run; quote medians.
import { spawnSync } from 'node:child_process';
import { globSync } from 'node:fs';

const selected = process.argv.slice(2);
const files = globSync('bench/*.bench.ts')
  .sort()
  .filter((file) => selected.length === 0 || selected.some((name) => file.includes(name)));
let failed = 0;
for (const file of files) {
  console.log(`\n== ${file}`);
  const result = spawnSync(process.execPath, ['--expose-gc', file], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);

import { LuaVm } from '../../src/adapters/health/lua-vm.ts';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
const vm = await LuaVm.create();
const cert = parse(readFileSync('src/core/health/testdata/certificate-degraded-failed.yaml', 'utf8'));
const time = (label: string, script: string, obj: unknown) => {
  for (let i = 0; i < 2000; i++) vm.run(script, obj, 'b');
  const n = 5000; const t0 = performance.now();
  for (let i = 0; i < n; i++) vm.run(script, obj, 'b');
  console.log(label.padEnd(30), ((performance.now() - t0) / n * 1000).toFixed(1), 'us/run');
};
time('nil, tiny obj', 'return nil', { a: 1 });
time('nil, cert obj', 'return nil', cert);
time('table, tiny obj', 'return {status="Healthy", message="x"}', { a: 1 });

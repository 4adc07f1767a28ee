// The testbed CLI's registry commands, run as a developer would (`node testbed/cli.ts …`), with
// their own cache folder so they never touch the developer's registry.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { registryGet } from './src/registry.ts';

const cli = join(import.meta.dirname, 'cli.ts');
const cache = mkdtempSync(join(tmpdir(), 'tiphys-cli-test-'));
const env = { ...process.env, XDG_CACHE_HOME: cache, TIPHYS_TESTBED_CACHE: join(cache, 'testbed') };

function testbed(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [cli, ...args], { env, timeout: 120_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`testbed ${args.join(' ')}: ${stderr}`)) : resolve({ stdout, stderr }),
    );
  });
}

describe('npm run testbed -- registry', () => {
  after(async () => {
    await testbed(['registry', 'down']).catch(() => {});
    rmSync(cache, { recursive: true, force: true });
  });

  test('up serves a registry, prints where, never the password; status and down follow it', async () => {
    const up = await testbed(['registry', 'up']);
    const url = up.stdout.trim();
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const stateFile = join(cache, 'tiphys', 'registry', 'state.json');
    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    assert.equal(statSync(stateFile).mode & 0o077, 0);
    assert.ok(!`${up.stdout}${up.stderr}`.includes(state.password));
    assert.match(up.stderr, /CA: +.*ca\.crt/);
    const access = {
      url,
      caPem: readFileSync(state.caPath, 'utf8'),
      username: state.username,
      password: state.password,
    };
    assert.equal((await registryGet(access, '/v2/')).status, 200);

    assert.match((await testbed(['registry', 'up'])).stderr, /already up/);
    assert.match((await testbed(['registry', 'status'])).stdout, new RegExp(`${url}\\trunning`));
    assert.match((await testbed(['registry', 'down'])).stdout, /registry is down/);
    assert.match((await testbed(['registry', 'status'])).stdout, /no registry running/);
    assert.equal(existsSync(stateFile), false);
    await assert.rejects(registryGet(access, '/v2/'), /ECONNREFUSED/);
  });

  test('an unknown registry command is refused with the usage', async () => {
    await assert.rejects(testbed(['registry', 'start']), /registry needs up, down or status/);
  });
});

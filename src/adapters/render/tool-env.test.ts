// The render tools run a tenant's templates, plugins and fetches: a stand-in tool that prints
// everything it can see shows what such code would get.
import assert from 'node:assert/strict';
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { renderManifests } from './render.ts';
import { tempDir } from './testkit.ts';

/** A "tool" that answers with a ConfigMap holding its environment and the mode of its HOME. */
const spy = `#!/bin/sh
echo 'apiVersion: v1'
echo 'kind: ConfigMap'
echo 'metadata:'
echo '  name: seen'
echo 'data:'
env | cut -d= -f1 | sort | sed 's/.*/  env-&: "1"/'
printf '  home: "%s"\\n' "$HOME"
printf '  home-mode: "%s"\\n' "$(stat -c %a "$HOME")"
printf '  git-protocols: "%s"\\n' "$GIT_ALLOW_PROTOCOL"
`;

test('helm and kustomize see PATH, a private HOME and a git with no transport; nothing of the controller', async () => {
  const dir = await tempDir();
  const tool = join(dir, 'spy-tool');
  await writeFile(tool, spy);
  await chmod(tool, 0o755);
  const repo = join(dir, 'repo');
  await mkdir(join(repo, 'chart'), { recursive: true });
  await writeFile(join(repo, 'chart', 'Chart.yaml'), 'apiVersion: v2\nname: x\nversion: 0.1.0\n');
  await mkdir(join(repo, 'kust'), { recursive: true });
  await writeFile(join(repo, 'kust', 'kustomization.yaml'), 'resources: []\n');
  const planted = {
    KUBECONFIG: '/etc/tiphys/admin.kubeconfig',
    AWS_SECRET_ACCESS_KEY: 'aws-secret',
    GOOGLE_APPLICATION_CREDENTIALS: '/etc/gcp.json',
    TIPHYS_WEBHOOK_GITHUB_SECRET: 'hook-secret',
    HTTPS_PROXY: 'http://corp-proxy:3128',
    SSH_AUTH_SOCK: '/tmp/agent.sock',
  };
  Object.assign(process.env, planted);
  try {
    for (const path of ['chart', 'kust']) {
      const result = await renderManifests({
        repoDir: repo,
        path,
        source: {},
        appName: 'x',
        tools: { helm: tool, kustomize: tool },
      });
      const data = result.objects[0].data as Record<string, string>;
      const names = Object.keys(data)
        .filter((key) => key.startsWith('env-'))
        .map((key) => key.slice(4));
      const allowed =
        /^(PATH|HOME|PWD|SHLVL|_|OLDPWD|XDG_CONFIG_HOME|HELM_(CACHE|CONFIG|DATA)_HOME|GIT_(ALLOW_PROTOCOL|CONFIG_NOSYSTEM|CONFIG_GLOBAL|TERMINAL_PROMPT|SSH_COMMAND))$/;
      assert.deepEqual(
        names.filter((name) => !allowed.test(name)),
        [],
        `${path}: ${names.join(' ')}`,
      );
      assert.notEqual(data.home, homedir());
      assert.equal(data['home-mode'], '700');
      assert.equal(data['git-protocols'], 'none');
      // HOME is gone once the render is done.
      await assert.rejects(stat(data.home), { code: 'ENOENT' });
    }
  } finally {
    for (const name of Object.keys(planted)) delete process.env[name];
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderCommitMessage } from './commit-message.ts';

test('commit message template: default, range, unknown fields kept, empty falls back', () => {
  const updates = [
    { image: 'reg/hello', tag: '1.0.1', policy: 'hello' },
    { image: 'reg/api', tag: '2.0.0', digest: 'sha256:ab', policy: 'api' },
  ];
  assert.equal(
    renderCommitMessage(undefined, 'dev', updates),
    'tiphys: update reg/hello to 1.0.1 reg/api to 2.0.0',
  );
  assert.equal(
    renderCommitMessage(
      '{{.Updater}}: {{range .Updates}}\n- {{.Policy}} {{.Image}}:{{.Tag}}@{{.Digest}}{{end}} {{.Other}}',
      'dev',
      updates,
    ),
    'dev: \n- hello reg/hello:1.0.1@\n- api reg/api:2.0.0@sha256:ab {{.Other}}',
  );
  assert.equal(renderCommitMessage('   ', 'dev', updates), 'tiphys: image update by dev');
});

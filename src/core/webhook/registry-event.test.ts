import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { WebhookError } from './push-event.ts';
import { checkRegistrySecret, parseRegistryEvent, pushNames } from './registry-event.ts';

const body = Buffer.from(
  JSON.stringify({
    events: [
      {
        action: 'push',
        target: { repository: 'team/hello', tag: '1.0.1' },
        request: { host: '127.0.0.1:5000' },
      },
      { action: 'pull', target: { repository: 'team/other' } },
    ],
  }),
);

test('attacker: a forged registry webhook is refused (no secret, wrong token, wrong signature, none configured)', () => {
  const refused = (fn: () => void, status: number) =>
    assert.throws(fn, (error: unknown) => error instanceof WebhookError && error.status === status);
  refused(() => checkRegistrySecret(undefined, { authorization: 'Bearer anything' }, '', body), 403);
  refused(() => checkRegistrySecret('s3cret', {}, '', body), 401);
  refused(() => checkRegistrySecret('s3cret', { authorization: 'Bearer s3cre' }, '', body), 401);
  refused(() => checkRegistrySecret('s3cret', {}, 'token=nope', body), 401);
  const forged = `sha256=${createHmac('sha256', 'other').update(body).digest('hex')}`;
  refused(() => checkRegistrySecret('s3cret', { 'x-hub-signature-256': forged }, '', body), 401);
  // Each way a sender can carry the secret.
  checkRegistrySecret('s3cret', { authorization: 'Bearer s3cret' }, '', body);
  checkRegistrySecret('s3cret', { authorization: 's3cret' }, '', body);
  checkRegistrySecret('s3cret', {}, 'token=s3cret', body);
  const signed = `sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`;
  checkRegistrySecret('s3cret', { 'x-hub-signature-256': signed }, '', body);
});

test('payloads of distribution, Docker Hub, GHCR and Harbor', () => {
  assert.deepEqual(parseRegistryEvent({}, body), {
    sender: 'distribution',
    images: [{ host: '127.0.0.1:5000', repository: 'team/hello' }],
  });
  const hub = Buffer.from(JSON.stringify({ push_data: { tag: '1' }, repository: { repo_name: 'nginx' } }));
  assert.deepEqual(parseRegistryEvent({}, hub).images, [{ host: 'docker.io', repository: 'library/nginx' }]);
  const ghcr = Buffer.from(
    JSON.stringify({ action: 'published', package: { name: 'Hello', owner: { login: 'Org' } } }),
  );
  assert.deepEqual(parseRegistryEvent({ 'x-github-event': 'package' }, ghcr).images, [
    { host: 'ghcr.io', repository: 'org/hello' },
  ]);
  const harbor = Buffer.from(
    JSON.stringify({
      type: 'PUSH_ARTIFACT',
      event_data: {
        resources: [{ resource_url: 'harbor.example.com/proj/hello:1' }],
        repository: { repo_full_name: 'proj/hello' },
      },
    }),
  );
  assert.deepEqual(parseRegistryEvent({}, harbor).images, [
    { host: 'harbor.example.com', repository: 'proj/hello' },
  ]);
  assert.throws(() => parseRegistryEvent({}, Buffer.from('{"x":1}')), /not a distribution/);
  assert.throws(() => parseRegistryEvent({}, Buffer.from('nope')), /not JSON/);
});

test('a push names an image only on the same host and path', () => {
  const image = { name: '127.0.0.1:5000/team/hello', repository: 'team/hello' };
  assert.equal(pushNames({ host: '127.0.0.1:5000', repository: 'team/hello' }, image), true);
  assert.equal(pushNames({ repository: 'team/hello' }, image), true);
  assert.equal(pushNames({ host: 'evil.io', repository: 'team/hello' }, image), false);
  assert.equal(pushNames({ host: '127.0.0.1:5000', repository: 'team/hello2' }, image), false);
});

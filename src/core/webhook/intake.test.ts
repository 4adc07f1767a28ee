import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { WebhookIntake, WebhookRateLimitedError } from './intake.ts';
import { WebhookError } from './push-event.ts';

const body = Buffer.from(
  JSON.stringify({
    ref: 'refs/heads/main',
    after: 'abc123',
    repository: { clone_url: 'https://git.example.com/config.git', default_branch: 'main' },
  }),
);
const signed = (secret: string, payload = body) => ({
  'x-github-event': 'push',
  'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(payload).digest('hex')}`,
});
const status = (fn: () => unknown) => {
  try {
    fn();
    return 200;
  } catch (error) {
    assert.ok(error instanceof WebhookError, String(error));
    return error.status;
  }
};

test('once any secret is configured, a provider without one is refused', () => {
  const intake = new WebhookIntake({ secrets: { github: 's3cret' }, now: () => 0 });
  assert.equal(
    status(() => intake.receive({ 'x-gitlab-event': 'Push Hook' }, body, 'a')),
    401,
  );
  assert.equal(
    status(() => intake.receive({ 'x-gitea-event': 'push' }, body, 'a')),
    401,
  );
  assert.equal(
    status(() => intake.receive({ 'x-github-event': 'push' }, body, 'a')),
    401,
    'unsigned',
  );
  assert.equal(intake.receive(signed('s3cret'), body, 'a')?.ref, 'refs/heads/main');
  const open = new WebhookIntake({ secrets: {}, now: () => 0 });
  assert.equal(
    open.receive(
      { 'x-gitlab-event': 'Push Hook' },
      Buffer.from('{"ref":"refs/heads/x","project":{"git_http_url":"https://g/x.git"}}'),
      'a',
    )?.provider,
    'gitlab',
    'no secrets at all: nothing to check',
  );
});

test('a signed push received twice is refused the second time, until it is forgotten', () => {
  let now = 0;
  const intake = new WebhookIntake({ secrets: { github: 's3cret' }, now: () => now, replayMemoryMs: 60_000 });
  assert.ok(intake.receive(signed('s3cret'), body, 'a'));
  assert.equal(
    status(() => intake.receive(signed('s3cret'), body, 'b')),
    409,
  );
  const other = Buffer.from(body.toString().replace('abc123', 'def456'));
  assert.ok(intake.receive(signed('s3cret', other), other, 'a'), 'another push passes');
  now += 60_001;
  assert.ok(intake.receive(signed('s3cret'), body, 'a'));
});

test('each address gets so many requests a minute, refused ones included', () => {
  let now = 0;
  const intake = new WebhookIntake({ secrets: { github: 's3cret' }, now: () => now, maxPerAddress: 3 });
  for (let i = 0; i < 3; i++)
    assert.equal(
      status(() => intake.receive({ 'x-github-event': 'push' }, body, 'flood')),
      401,
    );
  assert.throws(
    () => intake.receive(signed('s3cret'), body, 'flood'),
    (error: unknown) => {
      assert.ok(error instanceof WebhookRateLimitedError);
      assert.equal(error.status, 429);
      assert.equal(error.retryAfterSeconds, 60);
      return true;
    },
  );
  assert.ok(intake.receive(signed('s3cret'), body, 'elsewhere'), 'per address');
  now += 60_001;
  assert.equal(
    status(() => intake.receive({ ...signed('s3cret'), 'x-github-event': 'ping' }, body, 'flood')),
    200,
  );
});

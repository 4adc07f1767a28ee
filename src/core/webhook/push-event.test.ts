import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { normalizeRepoURL, parsePushEvent, pushMatches, WebhookError } from './push-event.ts';

const githubBody = Buffer.from(
  JSON.stringify({
    ref: 'refs/heads/main',
    repository: {
      clone_url: 'https://git.example.com/team/config.git',
      ssh_url: 'git@git.example.com:team/config.git',
      default_branch: 'main',
    },
  }),
);
const sign = (secret: string, body: Buffer) => createHmac('sha256', secret).update(body).digest('hex');

test('a GitHub push with a valid signature names the repo and ref', () => {
  const event = parsePushEvent(
    { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${sign('s3cret', githubBody)}` },
    githubBody,
    { github: 's3cret' },
  );
  assert.equal(event?.ref, 'refs/heads/main');
  assert.equal(event?.provider, 'github');
  assert.ok(event?.repoURLs.includes('https://git.example.com/team/config.git'));
});

test('a wrong or missing signature is refused with 401', () => {
  for (const signature of ['sha256=00', undefined, `sha256=${sign('other', githubBody)}`]) {
    assert.throws(
      () =>
        parsePushEvent({ 'x-github-event': 'push', 'x-hub-signature-256': signature }, githubBody, {
          github: 's3cret',
        }),
      (error: WebhookError) => error instanceof WebhookError && error.status === 401,
    );
  }
});

test('GitLab token and Gitea signature are checked', () => {
  const body = Buffer.from(
    JSON.stringify({ ref: 'refs/heads/dev', project: { git_http_url: 'http://gitlab.local/a/b.git' } }),
  );
  const event = parsePushEvent({ 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'tok' }, body, {
    gitlab: 'tok',
  });
  assert.equal(event?.ref, 'refs/heads/dev');
  assert.throws(
    () => parsePushEvent({ 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'bad' }, body, { gitlab: 'tok' }),
    (error: WebhookError) => error instanceof WebhookError && error.status === 401,
  );
  assert.throws(
    () =>
      parsePushEvent(
        { 'x-gitea-event': 'push', 'x-gitea-signature': sign('wrong', githubBody) },
        githubBody,
        {
          gitea: 'g',
        },
      ),
    (error: WebhookError) => error instanceof WebhookError && error.status === 401,
  );
  const gitea = parsePushEvent(
    { 'x-gitea-event': 'push', 'x-gitea-signature': sign('g', githubBody) },
    githubBody,
    {
      gitea: 'g',
    },
  );
  assert.equal(gitea?.provider, 'gitea');
});

test('non-push events are ignored and malformed bodies are 400', () => {
  assert.equal(parsePushEvent({ 'x-github-event': 'ping' }, Buffer.from('{}'), {}), undefined);
  assert.throws(
    () => parsePushEvent({ 'x-github-event': 'push' }, Buffer.from('not json'), {}),
    (error: WebhookError) => error instanceof WebhookError && error.status === 400,
  );
  assert.throws(
    () => parsePushEvent({}, githubBody, {}),
    (error: WebhookError) => error instanceof WebhookError && error.status === 400,
  );
});

test('repo URLs match across https, ssh and .git forms; revisions match branch, tag and HEAD', () => {
  assert.equal(normalizeRepoURL('git@git.example.com:team/config.git'), 'git.example.com/team/config');
  assert.equal(normalizeRepoURL('https://git.example.com/team/config/'), 'git.example.com/team/config');
  const event = parsePushEvent({ 'x-github-event': 'push' }, githubBody, {});
  assert.ok(event);
  assert.equal(pushMatches(event, 'https://git.example.com/team/config', 'main'), true);
  assert.equal(pushMatches(event, 'https://git.example.com/team/config', 'HEAD'), true);
  assert.equal(pushMatches(event, 'https://git.example.com/team/config', 'dev'), false);
  assert.equal(pushMatches(event, 'https://git.example.com/team/other', 'main'), false);
});

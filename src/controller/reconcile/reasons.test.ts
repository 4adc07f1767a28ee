import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GitTimeoutError, RevisionNotFoundError } from '../../adapters/git/index.ts';
import { OutsideWatchedNamespacesError } from '../../adapters/kube/cluster-cache.ts';
import { EmptyRenderError, RenderTimeoutError, RenderToolError } from '../../adapters/render/render.ts';
import { ManifestParseError } from '../../core/manifest/parse-error.ts';
import { DuplicateResourceError } from '../../domain/comparison/desired-state.ts';
import { ClusterUnreachableError, ProjectViolationError } from '../../domain/comparison/errors.ts';
import { InvalidSpecError, reasonOf, StatusWriteError } from './reasons.ts';

const of = (error: unknown) => {
  const r = reasonOf(error);
  return `${r.condition}/${r.event}/${r.terminal ? 'terminal' : 'retried'}`;
};

test('what a person must fix is terminal: retried on the next change or poll, not every 10 s', () => {
  assert.equal(of(new InvalidSpecError('x')), 'InvalidSpecError/InvalidSpec/terminal');
  assert.equal(of(new ProjectViolationError('x')), 'ProjectViolation/ProjectRefused/terminal');
  assert.equal(of(new ManifestParseError('a.yaml', 'bad')), 'ComparisonError/ManifestError/terminal');
  assert.equal(of(new DuplicateResourceError('twice')), 'ComparisonError/ManifestError/terminal');
  assert.equal(of(new RenderToolError('helm', 1, 'no chart')), 'ComparisonError/ManifestError/terminal');
  assert.equal(of(new RevisionNotFoundError('https://x', 'v9')), 'ComparisonError/ManifestError/terminal');
  assert.equal(
    of(new OutsideWatchedNamespacesError('namespace x is not one this Tiphys manages')),
    'ComparisonError/OutsideManagedNamespaces/terminal',
  );
});

test('what may pass by itself is retried soon', () => {
  assert.equal(of(new ClusterUnreachableError('x')), 'ComparisonError/ClusterUnreachable/retried');
  assert.equal(of(new StatusWriteError('x')), 'ComparisonError/StatusWriteFailed/retried');
  assert.equal(of(new RenderTimeoutError('helm', 1000)), 'ComparisonError/ComparisonFailed/retried');
  assert.equal(of(new GitTimeoutError('ls-remote', 1000)), 'ComparisonError/ComparisonFailed/retried');
  assert.equal(of(new Error('connection reset')), 'ComparisonError/ComparisonFailed/retried');
  assert.equal(of('a string'), 'ComparisonError/ComparisonFailed/retried');
});

test('an empty render is terminal and leaves the health Unknown: an app that declares nothing is not Healthy', () => {
  const empty = reasonOf(new EmptyRenderError('guestbook', 'directory', [], 0));
  assert.equal(
    `${empty.condition}/${empty.event}/${empty.terminal ? 'terminal' : 'retried'}`,
    'ComparisonError/EmptyRender/terminal',
  );
  assert.equal(empty.healthUnknown, true);
  assert.equal(reasonOf(new RenderToolError('helm', 1, 'no chart')).healthUnknown, undefined);
});

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { parseManifests } from '../core/manifest/parse.ts';
import { formatHealthTable, type HealthRow, registerAdminHealthCommand } from './admin-health.ts';

const healthFixture = (name: string) =>
  fileURLToPath(new URL(`../core/health/testdata/${name}`, import.meta.url));

interface Captured {
  out: string[];
  err: string[];
}

/** Captures console and commander output for the rest of the test; restored when it ends. */
function capture(t: TestContext): Captured {
  const captured: Captured = { out: [], err: [] };
  t.mock.method(console, 'log', (...values: unknown[]) => captured.out.push(values.join(' ')));
  t.mock.method(console, 'error', (...values: unknown[]) => captured.err.push(values.join(' ')));
  return captured;
}

/** Runs `admin health …` on a fresh command tree, as `tiphys admin health …` would. */
async function runHealth(captured: Captured, args: string[]): Promise<void> {
  const admin = new Command('admin')
    .exitOverride()
    .configureOutput({ writeOut: (s) => captured.out.push(s), writeErr: (s) => captured.err.push(s) });
  registerAdminHealthCommand(admin);
  await admin.parseAsync(['health', ...args], { from: 'user' });
}

function tempFile(t: TestContext, name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tiphys-admin-health-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

test('-o json prints an array of {kind, name, namespace, status, message}', async (t) => {
  const captured = capture(t);
  await runHealth(captured, ['-f', healthFixture('deployment-progressing.yaml'), '-o', 'json']);
  const { out } = captured;
  assert.equal(out.length, 1);
  assert.deepEqual(JSON.parse(out[0]), [
    {
      kind: 'Deployment',
      name: 'frontend',
      namespace: 'shop',
      status: 'Progressing',
      message: 'Waiting for rollout to finish: 1 of 3 updated replicas are available...',
    },
  ]);
});

test('every object of a multi-document file is evaluated; kinds without a check read Healthy', async (t) => {
  const file = tempFile(
    t,
    'mixed.yaml',
    [
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\n',
      'apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate, namespace: shop}\nspec: {suspend: true}\n',
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\nstatus: {phase: Active}\n',
    ].join('---\n'),
  );
  const captured = capture(t);
  await runHealth(captured, ['-f', file, '-o', 'json']);
  const { out } = captured;
  const rows = JSON.parse(out[0]) as HealthRow[];
  assert.deepEqual(
    rows.map((row) => [row.kind, row.name, row.namespace, row.status, row.message]),
    [
      ['ConfigMap', 'settings', 'shop', 'Healthy', ''],
      ['Job', 'migrate', 'shop', 'Suspended', 'Job is suspended'],
      ['Namespace', 'shop', '', 'Healthy', ''],
    ],
  );
});

test('text output is a table with a header and one aligned line per object', async (t) => {
  const captured = capture(t);
  await runHealth(captured, ['-f', healthFixture('job-failed.yaml')]);
  const { out } = captured;
  const lines = out.join('\n').split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^KIND\s+NAME\s+NAMESPACE\s+STATUS\s+MESSAGE$/);
  assert.match(lines[1], /^Job\s+migrate\s+shop\s+Degraded\s+Job has reached the specified backoff limit$/);
  assert.equal(lines[0].indexOf('STATUS'), lines[1].indexOf('Degraded'));
});

test('formatHealthTable keeps multi-line messages on one line', () => {
  const table = formatHealthTable([
    { kind: 'Pod', name: 'p', namespace: '', status: 'Degraded', message: 'first\n  second' },
  ]);
  const lines = table.split('\n');
  assert.equal(lines.length, 2);
  assert.ok(lines[1].endsWith('   Degraded   first second'), lines[1]);
});

test('a document that is not an object gets an error row naming file, document and line; the others still print; exit 1', async (t) => {
  const file = tempFile(
    t,
    'broken.yaml',
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\na: b\n  c: d\n',
  );
  const captured = capture(t);
  await assert.rejects(runHealth(captured, ['-f', file, '-o', 'json']), (error: unknown) => {
    assert.ok(error instanceof CommanderError);
    assert.equal(error.exitCode, 1);
    return true;
  });
  const rows = JSON.parse(captured.out[0]) as HealthRow[];
  assert.deepEqual(
    rows.map((row) => [row.kind, row.name, row.status]),
    [
      ['ConfigMap', 'a', 'Healthy'],
      ['', '', 'Error'],
    ],
  );
  assert.ok(rows[1].message.startsWith(`${file} (document 2, line 5): `), rows[1].message);
  assert.deepEqual(captured.err, [`error: 1 of 2 documents of ${file} are not valid objects`]);
});

test('a Pod with an annotation Kubernetes would refuse (a number) is named in its own error row (issue 16)', async (t) => {
  const file = tempFile(
    t,
    'pods.yaml',
    [
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: scraped\n  namespace: shop\n  annotations:\n    prometheus.io/port: 8080\nstatus: {phase: Running}\n',
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: hooked\n  namespace: shop\n  annotations: {argocd.argoproj.io/hook: PreSync, unexpected.example/flag: "yes"}\nstatus: {phase: Succeeded}\n',
    ].join('---\n'),
  );
  const captured = capture(t);
  await assert.rejects(runHealth(captured, ['-f', file]), CommanderError);
  const lines = captured.out.join('\n').split('\n');
  assert.equal(lines.length, 3, captured.out.join('\n'));
  assert.match(
    lines[1],
    /^Pod\s+scraped\s+shop\s+Error\s+.*metadata\.annotations\.prometheus\.io\/port must be a string/,
  );
  assert.match(lines[2], /^Pod\s+hooked\s+shop\s+Healthy/);
});

test('a file without any object is an error, not an empty table', async (t) => {
  const file = tempFile(t, 'empty.yaml', '# nothing here\n---\n');
  const captured = capture(t);
  await assert.rejects(runHealth(captured, ['-f', file]), (error: unknown) => {
    assert.ok(error instanceof CommanderError);
    assert.equal(error.exitCode, 1);
    return true;
  });
  assert.deepEqual(captured.out, []);
  assert.deepEqual(captured.err, [`error: ${file}: no Kubernetes objects found`]);
});

test('every object of every health fixture gets exactly one row, in order (none dropped)', async (t) => {
  const dir = fileURLToPath(new URL('../core/health/testdata/', import.meta.url));
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .sort();
  const objects = files.flatMap((name) => parseManifests(readFileSync(join(dir, name), 'utf8'), name));
  assert.ok(objects.length >= files.length, 'every fixture holds at least one object');
  // One file of all the fixtures, plus documents that are not objects between them.
  const broken = ['just a string\n', 'apiVersion: v1\nkind: Pod\nmetadata: {namespace: x}\n'];
  const documents = files.map((name) => readFileSync(join(dir, name), 'utf8'));
  documents.splice(3, 0, broken[0]);
  documents.splice(10, 0, broken[1]);
  const file = tempFile(t, 'all.yaml', documents.join('\n---\n'));
  const captured = capture(t);
  await assert.rejects(runHealth(captured, ['-f', file, '-o', 'json']), CommanderError);
  const rows = JSON.parse(captured.out[0]) as HealthRow[];
  assert.equal(rows.length, objects.length + broken.length);
  const healthRowsOnly = rows.filter((row) => row.status !== 'Error');
  assert.deepEqual(
    healthRowsOnly.map((row) => [row.kind, row.name]),
    objects.map((obj) => [obj.kind, obj.metadata.name ?? obj.metadata.generateName]),
  );
  assert.equal(rows.filter((row) => row.status === 'Error').length, broken.length);
  // The text table has the same rows plus its header.
  const text = capture(t);
  await assert.rejects(runHealth(text, ['-f', file]), CommanderError);
  assert.equal(text.out.join('\n').split('\n').length, rows.length + 1);
});

test('an unreadable file is an error with exit code 1', async (t) => {
  const captured = capture(t);
  await assert.rejects(runHealth(captured, ['-f', '/nonexistent/tiphys/manifest.yaml']), (error: unknown) => {
    assert.ok(error instanceof CommanderError);
    assert.equal(error.exitCode, 1);
    assert.match(error.message, /cannot read \/nonexistent\/tiphys\/manifest\.yaml/);
    return true;
  });
  assert.match(captured.err.join(''), /^error: cannot read/);
});

test('-f is required and -o accepts only json or text', async (t) => {
  const captured = capture(t);
  await assert.rejects(
    runHealth(captured, []),
    (error: unknown) => error instanceof CommanderError && /--file/.test(error.message),
  );
  await assert.rejects(
    runHealth(captured, ['-f', healthFixture('job-failed.yaml'), '-o', 'yaml']),
    (error: unknown) => error instanceof CommanderError && /yaml/.test(error.message),
  );
});

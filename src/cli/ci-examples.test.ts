// The CI examples (examples/ci) must stay runnable: each file parses (YAML, or the Jenkinsfile's
// braces and quotes), and every `tiphys …` command they run names an existing command with
// options it has, so a renamed command or flag breaks this test instead of a user's pipeline.
// Unknown commands exit 2 (usage-errors.ts), which is what a pipeline with a stale call would see.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { buildProgram, runCli } from './program.ts';

const dir = join(import.meta.dirname, '../../examples/ci');
const files = readdirSync(dir).filter((name) => !name.startsWith('.') || name === '.gitlab-ci.yml');

/** Every string of a parsed YAML document (the run: and script: lines among them). */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/** The shell scripts of a Jenkinsfile: sh '…' and sh(script: '…'). */
function jenkinsScripts(text: string): string[] {
  let depth = 0;
  for (const line of text.split('\n')) {
    if (line.trim().startsWith('//')) continue;
    const code = line.replace(/'[^']*'|"[^"]*"/g, '');
    assert.equal((line.match(/'/g)?.length ?? 0) % 2, 0, `unbalanced quote in Jenkinsfile: ${line}`);
    depth += (code.match(/\{/g)?.length ?? 0) - (code.match(/\}/g)?.length ?? 0);
    assert.ok(depth >= 0, `a } closes nothing in Jenkinsfile: ${line}`);
  }
  assert.equal(depth, 0, 'Jenkinsfile: braces do not balance');
  assert.match(text, /^pipeline \{/m);
  return [...text.matchAll(/sh\s*\(?\s*(?:script:\s*)?'([^']*)'/g)].map((m) => m[1]);
}

/** The words of each `tiphys …` call in a script (quotes removed, up to ; | & > or a newline). */
function tiphysCalls(script: string): string[][] {
  return [...script.matchAll(/(?:^|[\s;&|(])tiphys((?:[ \t]+[^\s;&|>)]+)+)/g)].map((m) =>
    m[1]
      .trim()
      .split(/[ \t]+/)
      .map((word) => word.replace(/^["']|["']$/g, '')),
  );
}

/** Finds the command a call names; fails naming the unknown command or option. */
function checkCall(program: Command, words: string[], where: string): void {
  let command = program;
  const chain: Command[] = [program];
  let index = 0;
  for (; index < words.length; index++) {
    const sub = command.commands.find((c) => c.name() === words[index] || c.aliases().includes(words[index]));
    if (!sub) break;
    command = sub;
    chain.push(sub);
  }
  assert.notEqual(command, program, `${where}: tiphys ${words.join(' ')}: no such command`);
  assert.equal(command.commands.length, 0, `${where}: tiphys ${words.join(' ')}: names a command group`);
  const known = new Set(chain.flatMap((c) => c.options.flatMap((o) => [o.long, o.short])));
  for (const word of words.slice(index).filter((w) => w.startsWith('-')))
    assert.ok(known.has(word.split('=')[0]), `${where}: tiphys ${words.join(' ')}: unknown option ${word}`);
}

test('each CI example parses, and every tiphys command it calls exists with those options', async () => {
  const program = await buildProgram();
  const seen: string[] = [];
  for (const name of files) {
    const text = readFileSync(join(dir, name), 'utf8');
    const scripts = name === 'Jenkinsfile' ? jenkinsScripts(text) : strings(parse(text));
    assert.ok(scripts.length > 0, `${name}: no scripts found`);
    for (const words of scripts.flatMap(tiphysCalls)) {
      checkCall(program, words, name);
      seen.push(`${name}: ${words.slice(0, 2).join(' ')}`);
    }
  }
  // The two-repository flow of every CI system commits the tag and waits for dev.
  for (const name of ['github-actions.yml', '.gitlab-ci.yml', 'Jenkinsfile']) {
    assert.ok(seen.includes(`${name}: image set`), `${name} runs tiphys image set`);
    assert.ok(seen.includes(`${name}: app wait`), `${name} runs tiphys app wait`);
    assert.match(readFileSync(join(dir, name), 'utf8'), /ci\/pipeline\.sh "\$IMAGE"/);
  }
});

test('the checker itself: an unknown command or option is caught, and the CLI exits 2 for it', async () => {
  const program = await buildProgram();
  assert.throws(() => checkCall(program, ['imagez', 'set', 'a', 'b=1'], 'x'), /no such command/);
  assert.throws(() => checkCall(program, ['app', 'wait', 'a', '--healthy'], 'x'), /unknown option --healthy/);
  assert.throws(() => checkCall(program, ['image'], 'x'), /names a command group/);
  const stderr = process.stderr.write;
  process.stderr.write = () => true;
  try {
    assert.equal(await runCli(['imagez', 'set', 'hello-dev', 'hello=1.0.1']), 2);
    assert.equal(await runCli(['image', 'set', 'hello-dev', 'hello=1.0.1\ninjected: true']), 2);
  } finally {
    process.stderr.write = stderr;
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../manifest/object.ts';
import { customizationFor, parseHealthCustomizations, patternOfKeySuffix } from './customizations.ts';

const obj = (apiVersion: string, kind: string): KubeObject => ({ apiVersion, kind, metadata: { name: 'x' } });

test('keys name group and kind as argocd-cm does', () => {
  assert.equal(patternOfKeySuffix('cert-manager.io_Certificate'), 'cert-manager.io/Certificate');
  assert.equal(patternOfKeySuffix('Pod'), '/Pod');
  assert.equal(patternOfKeySuffix('all'), '*/*');
  assert.equal(patternOfKeySuffix('a_b_c'), undefined);
  assert.equal(patternOfKeySuffix(''), undefined);
});

test('Lua, CEL and the old single key are read; unrelated keys are left alone', () => {
  const parsed = parseHealthCustomizations({
    'resource.customizations.health.cert-manager.io_Certificate': 'return {status = "Healthy"}',
    'resource.customizations.health.cel.example.com_Widget': 'current: "true"',
    'resource.customizations':
      'argoproj.io/Rollout:\n  health.lua: return nil\nexample.com/Other:\n  actions: x\n',
    'resource.customizations.useOpenLibs.cert-manager.io_Certificate': 'true',
    'resource.customizations.ignoreDifferences.apps_Deployment': 'jsonPointers: [/spec/replicas]',
    url: 'https://tiphys.example.com',
  });
  assert.deepEqual(parsed.errors, []);
  assert.deepEqual(
    parsed.checks.map((check) => [check.language, check.pattern]),
    [
      ['lua', 'cert-manager.io/Certificate'],
      ['cel', 'example.com/Widget'],
      ['lua', 'argoproj.io/Rollout'],
    ],
  );
});

test('a key that cannot be used is an error naming it; the other keys still apply', () => {
  const parsed = parseHealthCustomizations({
    'resource.customizations.health.a_b_c': 'return nil',
    'resource.customizations.health.cel.example.com_Widget': 'current: "status.x =="',
    'resource.customizations.health.example.com_Empty': '  ',
    'resource.customizations.health.example.com_Fine': 'return nil',
  });
  assert.equal(parsed.errors.length, 3);
  assert.match(parsed.errors[0], /^resource\.customizations\.health\.a_b_c: expected/);
  assert.match(parsed.errors[1], /^resource\.customizations\.health\.cel\.example\.com_Widget: current: /);
  assert.match(parsed.errors[2], /example\.com_Empty: the Lua script is empty/);
  assert.deepEqual(
    parsed.checks.map((check) => check.pattern),
    ['example.com/Fine'],
  );
});

test('two checks of the same kind: Lua wins over CEL, said in errors', () => {
  const parsed = parseHealthCustomizations({
    'resource.customizations.health.cel.example.com_Widget': 'current: "true"',
    'resource.customizations.health.example.com_Widget': 'return nil',
  });
  assert.deepEqual(
    parsed.checks.map((check) => check.language),
    ['lua'],
  );
  assert.match(parsed.errors[0], /only resource\.customizations\.health\.example\.com_Widget is used/);
});

test('an exact kind beats a wildcard; a wildcard does not cross the group/kind slash', () => {
  const parsed = parseHealthCustomizations({
    'resource.customizations.health.*.aws.crossplane.io_*': 'return {status = "Progressing"}',
    'resource.customizations.health.ec2.aws.crossplane.io_Instance': 'return {status = "Healthy"}',
  });
  const pick = (apiVersion: string, kind: string) => customizationFor(parsed, obj(apiVersion, kind))?.pattern;
  assert.equal(pick('ec2.aws.crossplane.io/v1', 'Instance'), 'ec2.aws.crossplane.io/Instance');
  assert.equal(pick('rds.aws.crossplane.io/v1', 'DBInstance'), '*.aws.crossplane.io/*');
  assert.equal(pick('aws.crossplane.io/v1', 'X'), undefined);
  assert.equal(pick('v1', 'Pod'), undefined);
});

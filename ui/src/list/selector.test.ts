import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { matchesSelector, parseSelector, SelectorError } from './selector.ts';

describe('parseSelector', () => {
  test('equality, inequality, sets and existence', () => {
    assert.deepEqual(parseSelector('a=1, b==2,c!=3, d in (x, y), e notin (z), f, !g, example.com/team=web'), [
      { key: 'a', op: 'in', values: ['1'] },
      { key: 'b', op: 'in', values: ['2'] },
      { key: 'c', op: 'notin', values: ['3'] },
      { key: 'd', op: 'in', values: ['x', 'y'] },
      { key: 'e', op: 'notin', values: ['z'] },
      { key: 'f', op: 'exists' },
      { key: 'g', op: 'notexists' },
      { key: 'example.com/team', op: 'in', values: ['web'] },
    ]);
  });

  test('empty text selects everything', () => {
    assert.deepEqual(parseSelector('  '), []);
    assert.equal(matchesSelector(undefined, []), true);
  });

  test('a bad key names the clause', () => {
    assert.throws(() => parseSelector('ok=1, in valid'), SelectorError);
    assert.throws(() => parseSelector('=x'), /"=x"/);
  });
});

describe('matchesSelector', () => {
  const labels = { app: 'web', env: 'prod' };
  const matches = (text: string) => matchesSelector(labels, parseSelector(text));

  test('as Kubernetes does', () => {
    assert.equal(matches('app=web'), true);
    assert.equal(matches('app=db'), false);
    assert.equal(matches('app!=db'), true);
    assert.equal(matches('tier!=db'), true, '!= matches objects without the label');
    assert.equal(matches('env in (dev,prod)'), true);
    assert.equal(matches('env notin (prod)'), false);
    assert.equal(matches('tier notin (db)'), true);
    assert.equal(matches('app,env'), true);
    assert.equal(matches('!app'), false);
    assert.equal(matches('app=web,env=dev'), false);
  });
});

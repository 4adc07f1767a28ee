import assert from 'node:assert/strict';
import { test } from 'node:test';
import { changeOptions, containerChoices, DEFAULT_LOG_OPTIONS } from './log-options.ts';

test('containerChoices: each name once, init containers first', () => {
  const pods = [
    {
      pod: 'web-1',
      namespace: 'shop',
      containers: [
        { name: 'migrate', init: true },
        { name: 'app', init: false },
        { name: 'proxy', init: false },
      ],
    },
    {
      pod: 'web-2',
      namespace: 'shop',
      containers: [
        { name: 'app', init: false },
        { name: 'debug', init: false },
        { name: 'setup', init: true },
      ],
    },
  ];
  assert.deepEqual(
    containerChoices(pods).map((c) => `${c.name}${c.init ? ' (init)' : ''}`),
    ['migrate (init)', 'setup (init)', 'app', 'proxy', 'debug'],
  );
  assert.deepEqual(containerChoices([]), []);
});

test('changeOptions: previous and follow exclude each other; empty choices are left out', () => {
  const previous = changeOptions(DEFAULT_LOG_OPTIONS, { previous: true });
  assert.deepEqual(previous, { follow: false, previous: true, tailLines: 500 });
  assert.deepEqual(changeOptions(previous, { follow: true }), {
    follow: true,
    previous: false,
    tailLines: 500,
  });
  const narrowed = changeOptions(DEFAULT_LOG_OPTIONS, { container: 'app', sinceSeconds: 300 });
  assert.deepEqual(narrowed, { follow: true, tailLines: 500, container: 'app', sinceSeconds: 300 });
  assert.deepEqual(changeOptions(narrowed, { container: '', sinceSeconds: 0 }), DEFAULT_LOG_OPTIONS);
});

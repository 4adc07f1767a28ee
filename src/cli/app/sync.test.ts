import assert from 'node:assert/strict';
import { test } from 'node:test';
import { syncOperation } from './sync.ts';

test('a plain sync request names only the user', () => {
  assert.deepEqual(syncOperation({}), { sync: {}, initiatedBy: { username: 'cli' } });
});

test('sync flags map onto the operation', () => {
  assert.deepEqual(
    syncOperation({
      prune: true,
      dryRun: true,
      revision: 'v2',
      resource: ['apps:Deployment:web/api', ':ConfigMap:cfg'],
      syncOption: ['Replace=true'],
    }),
    {
      sync: {
        revision: 'v2',
        prune: true,
        dryRun: true,
        resources: [
          { group: 'apps', kind: 'Deployment', namespace: 'web', name: 'api' },
          { group: '', kind: 'ConfigMap', name: 'cfg' },
        ],
        syncOptions: ['Replace=true'],
      },
      initiatedBy: { username: 'cli' },
    },
  );
  assert.throws(() => syncOperation({ resource: ['web'] }), /--resource "web"/);
});

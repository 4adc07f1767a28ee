import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { globMatch } from './glob.ts';
import { RbacEngine } from './rbac.ts';
import {
  addPolicy,
  parsePolicyCsv,
  parseScopes,
  projectRolePolicies,
  rbacConfigFromData,
} from './rbac-policy.ts';
import type { Identity, RbacAction, RbacResource } from './types.ts';

const POLICY = `
# a comment
p, role:deployer, applications, sync, default/*, allow
g, alice, role:deployer
g, my-group, role:admin
p, bob, applications, *, */*, allow
p, bob, applications, delete, prod/*, deny
g, ops, role:admin
p, ops, clusters, delete, *, deny
p, frank, applications, sync, */*, allow
p, no-sync, applications, sync, */*, deny
`;

const teamA = {
  metadata: { name: 'team-a' },
  spec: {
    roles: [
      {
        name: 'deployer',
        policies: ['p, proj:team-a:deployer, applications, sync, team-a/*, allow'],
        groups: ['team-a-ci'],
      },
      {
        name: 'release-manager',
        policies: ['p, proj:team-a:release-manager, pipelines, approve, team-a/*/prod, allow'],
      },
    ],
  },
};

async function engine(data: Record<string, string>): Promise<RbacEngine> {
  const config = rbacConfigFromData(data);
  addPolicy(config, projectRolePolicies(teamA));
  return RbacEngine.create(config);
}

const user = (subject: string, groups: string[] = []): Identity => ({ subject, groups, kind: 'sso' });
const local = (subject: string): Identity => ({ subject, groups: [], kind: 'local' });
const token = (subject: string): Identity => ({ subject, groups: [], kind: 'token', tokenId: 't' });

type Row = [string, Identity | undefined, RbacResource, RbacAction, string, boolean];

describe('RBAC decisions', async () => {
  const withDefault = await engine({ 'policy.csv': POLICY, 'policy.default': 'role:readonly' });
  const rows: Row[] = [
    ['admin may do anything', local('admin'), 'clusters', 'delete', 'c1', true],
    ['admin may override', local('admin'), 'applications', 'override', 'team-b/x', true],
    ['the default role reads', user('carol'), 'applications', 'get', 'team-b/x', true],
    ['the default role reads other kinds', user('carol'), 'repositories', 'get', 'r', true],
    ['the default role does not write', user('carol'), 'applications', 'sync', 'default/x', false],
    ['anonymous gets nothing by default', undefined, 'applications', 'get', 'default/x', false],
    ['a role via g', user('alice'), 'applications', 'sync', 'default/guestbook', true],
    ['a role is scoped by its object glob', user('alice'), 'applications', 'sync', 'team-a/x', false],
    ['a role grants only its action', user('alice'), 'applications', 'delete', 'default/x', false],
    ['an SSO group mapped to admin', user('dave', ['my-group']), 'clusters', 'delete', 'c1', true],
    ['an unmapped group grants nothing more', user('dave', ['other']), 'clusters', 'delete', 'c1', false],
    ['a direct allow', user('bob'), 'applications', 'delete', 'default/x', true],
    ['deny overrides allow on the same subject', user('bob'), 'applications', 'delete', 'prod/x', false],
    ['a group deny overrides an inherited admin', user('erin', ['ops']), 'clusters', 'delete', 'c1', false],
    ['the rest of admin stays', user('erin', ['ops']), 'clusters', 'create', 'c1', true],
    ['a group deny overrides a user allow', user('frank', ['no-sync']), 'applications', 'sync', 'a/b', false],
    ['the user allow alone', user('frank'), 'applications', 'sync', 'a/b', true],
    ['project token in its project', token('proj:team-a:deployer'), 'applications', 'sync', 'team-a/x', true],
    ['project token outside it', token('proj:team-a:deployer'), 'applications', 'sync', 'team-b/x', false],
    [
      'project token cannot delete',
      token('proj:team-a:deployer'),
      'applications',
      'delete',
      'team-a/x',
      false,
    ],
    ['a project role group', user('ci', ['team-a-ci']), 'applications', 'sync', 'team-a/app', true],
    // Approving a promotion is its own right: sync on the apps does not give it, nor a wildcard on applications.
    [
      'sync is not approve',
      token('proj:team-a:deployer'),
      'pipelines',
      'approve',
      'team-a/hello/prod',
      false,
    ],
    ['applications * is not approve', user('bob'), 'pipelines', 'approve', 'default/hello/prod', false],
    ['the readonly role does not approve', user('carol'), 'pipelines', 'approve', 'team-b/hello/prod', false],
    [
      'a release manager approves prod',
      token('proj:team-a:release-manager'),
      'pipelines',
      'approve',
      'team-a/hello/prod',
      true,
    ],
    [
      'only the stage granted',
      token('proj:team-a:release-manager'),
      'pipelines',
      'approve',
      'team-a/hello/dev',
      false,
    ],
    [
      'only in the project',
      token('proj:team-a:release-manager'),
      'pipelines',
      'approve',
      'team-b/hello/prod',
      false,
    ],
    [
      'a release manager does not sync',
      token('proj:team-a:release-manager'),
      'applications',
      'sync',
      'team-a/x',
      false,
    ],
    ['admin approves', local('admin'), 'pipelines', 'approve', 'team-b/hello/prod', true],
    ['an SSO user named admin-like is not admin', user('administrator'), 'clusters', 'delete', 'c1', false],
  ];
  for (const [name, identity, resource, action, object, expected] of rows) {
    test(`${name}: ${identity?.subject ?? 'anonymous'} ${action} ${resource} ${object} → ${expected}`, async () => {
      assert.equal(await withDefault.allowed(identity, resource, action, object), expected);
    });
  }

  test('without policy.default an unknown user gets nothing', async () => {
    const strict = await engine({ 'policy.csv': POLICY });
    assert.equal(await strict.allowed(user('carol'), 'applications', 'get', 'default/x'), false);
    assert.equal(await strict.allowed(local('admin'), 'applications', 'get', 'default/x'), true);
  });

  test('anonymous gets the default role only when policy.anonymous is true', async () => {
    const open = await engine({ 'policy.default': 'role:readonly', 'policy.anonymous': 'true' });
    assert.equal(await open.allowed(undefined, 'applications', 'get', 'default/x'), true);
    assert.equal(await open.allowed(undefined, 'applications', 'sync', 'default/x'), false);
    const noRole = await engine({ 'policy.anonymous': 'true' });
    assert.equal(await noRole.allowed(undefined, 'applications', 'get', 'default/x'), false);
  });

  test('groups count only when the scopes name them', async () => {
    const noGroups = await engine({ 'policy.csv': POLICY, scopes: '[email]' });
    assert.equal(await noGroups.allowed(user('dave', ['my-group']), 'clusters', 'delete', 'c1'), false);
    const claim = await engine({ 'policy.csv': POLICY, scopes: '[roles]' });
    assert.equal(await claim.allowed(user('dave', ['my-group']), 'clusters', 'delete', 'c1', 'roles'), true);
  });

  test('policy.NAME.csv overlays add to policy.csv', async () => {
    const overlay = await engine({ 'policy.csv': POLICY, 'policy.extra.csv': 'g, zoe, role:admin' });
    assert.equal(await overlay.allowed(user('zoe'), 'projects', 'delete', 'p'), true);
  });
});

describe('policy parsing', () => {
  test('bad lines are reported with their place and skipped', () => {
    const parsed = parsePolicyCsv(
      [
        'p, a, applications, get, */*, allow',
        'p, a, b',
        'x, y, z',
        'p, a, r, get, o, maybe',
        'g, a, "b,c"',
      ].join('\n'),
      'policy.csv',
    );
    assert.equal(parsed.policies.length, 1);
    assert.deepEqual(
      parsed.problems.map((p) => p.replace(/:.*/, '')),
      ['policy.csv line 2', 'policy.csv line 3', 'policy.csv line 4', 'policy.csv line 5'],
    );
  });

  test('an omitted effect means allow', () => {
    assert.deepEqual(parsePolicyCsv('p, a, applications, get, x/y', 's').policies, [
      ['a', 'applications', 'get', 'x/y', 'allow'],
    ]);
  });

  test('project role policies stay inside their project and role', () => {
    const parsed = projectRolePolicies({
      metadata: { name: 'team-a' },
      spec: {
        roles: [
          {
            name: 'r',
            policies: [
              'p, proj:team-a:r, applications, get, team-a/*, allow',
              'p, proj:team-a:r, pipelines, approve, team-a/hello/prod, allow',
              'p, proj:team-a:r, pipelines, approve, team-b/hello/prod, allow',
              'p, proj:team-a:r, applications, sync, team-b/*, allow',
              'p, proj:team-a:r, applications, sync, */*, allow',
              'p, proj:team-a:r, clusters, delete, *, allow',
              'p, role:admin, applications, get, team-a/*, allow',
              'g, proj:team-a:r, role:admin',
            ],
            groups: ['ok-group', 'admin', 'role:admin'],
          },
        ],
      },
    });
    assert.deepEqual(parsed.policies, [
      ['proj:team-a:r', 'applications', 'get', 'team-a/*', 'allow'],
      ['proj:team-a:r', 'pipelines', 'approve', 'team-a/hello/prod', 'allow'],
    ]);
    assert.deepEqual(parsed.groupings, [['ok-group', 'proj:team-a:r']]);
    assert.equal(parsed.problems.length, 8);
  });

  test('scopes', () => {
    assert.deepEqual(parseScopes('[groups, email]'), ['groups', 'email']);
    assert.deepEqual(parseScopes(undefined), ['groups']);
    assert.deepEqual(parseScopes('[]'), []);
  });
});

describe('glob', () => {
  const cases: [string, string, boolean][] = [
    ['team-a/x', '*', true],
    ['team-a/x', '*/*', true],
    ['team-a/x', 'team-a/*', true],
    ['team-ab/x', 'team-a/*', false],
    ['team-a/x/y', 'team-a/*', true],
    ['team-a/x', 'team-?/x', true],
    ['team.a', 'team?a', true],
    ['teamxa', 'team.a', false],
    ['a+b', 'a+b', true],
    ['get', 'get', true],
    ['get', 'sync', false],
  ];
  for (const [value, pattern, expected] of cases) {
    test(`${value} ~ ${pattern} → ${expected}`, () => assert.equal(globMatch(value, pattern), expected));
  }
});

// RBAC policy as data: Argo CD's CSV lines (`p, SUBJECT, RESOURCE, ACTION, OBJECT, allow|deny` and
// `g, USER-OR-GROUP, ROLE`) from the `tiphys-rbac` ConfigMap and from AppProject roles, checked
// line by line. A bad line is reported and skipped; it never takes the rest of the policy down.

/** `[sub, res, act, obj, eft]` */
export type PolicyRule = [string, string, string, string, 'allow' | 'deny'];
/** `[member, role]` */
export type GroupingRule = [string, string];

export interface RbacConfig {
  policies: PolicyRule[];
  groupings: GroupingRule[];
  /** Role every authenticated caller has (`policy.default`), e.g. `role:readonly`. */
  defaultRole?: string;
  /** `policy.anonymous: "true"`: callers without credentials get the default role too. */
  anonymous: boolean;
  /** Claims used as extra subjects (`scopes: '[groups]'`); the groups claim counts when listed. */
  scopes: string[];
  problems: string[];
}

export const ADMIN_USER = 'admin';

export const BUILTIN_POLICY = `
p, role:readonly, *, get, *, allow
p, role:readonly, applications, logs, *, allow
p, role:admin, *, *, *, allow
g, ${ADMIN_USER}, role:admin
`;

/**
 * Names an identity provider must not be able to claim as a user or group: the local admin and
 * the role and project-role namespaces, which built-in and project policies grant rights to.
 */
export function isReservedName(name: string): boolean {
  return name === ADMIN_USER || name.startsWith('role:') || name.startsWith('proj:');
}

// Casbin's CSV reader treats quotes and brackets specially; RBAC names never need them.
const FIELD = /^[^\s,"()\n\r][^,"()\n\r]{0,510}$/;

type Line = { kind: 'p'; rule: PolicyRule } | { kind: 'g'; rule: GroupingRule };

function parseLine(raw: string): Line | string {
  const fields = raw.split(',').map((f) =>
    f
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .trim(),
  );
  const [kind, ...rest] = fields;
  const bad = rest.find((f) => !FIELD.test(f));
  if (bad !== undefined) return `invalid field "${bad.slice(0, 80)}"`;
  if (kind === 'p') {
    if (rest.length !== 4 && rest.length !== 5)
      return 'a p line has 5 fields after p: sub, res, act, obj, eft';
    const eft = rest[4] ?? 'allow';
    if (eft !== 'allow' && eft !== 'deny') return `effect must be allow or deny, not "${eft}"`;
    return { kind: 'p', rule: [rest[0], rest[1], rest[2], rest[3], eft] };
  }
  if (kind === 'g') {
    if (rest.length !== 2) return 'a g line has 2 fields after g: user-or-group, role';
    return { kind: 'g', rule: [rest[0], rest[1]] };
  }
  return `unknown line type "${kind.slice(0, 20)}" (p or g)`;
}

function lines(text: string): { raw: string; number: number }[] {
  return text
    .split(/\r?\n/)
    .map((raw, index) => ({ raw: raw.trim(), number: index + 1 }))
    .filter(({ raw }) => raw !== '' && !raw.startsWith('#'));
}

export function parsePolicyCsv(
  text: string,
  source: string,
): { policies: PolicyRule[]; groupings: GroupingRule[]; problems: string[] } {
  const policies: PolicyRule[] = [];
  const groupings: GroupingRule[] = [];
  const problems: string[] = [];
  for (const { raw, number } of lines(text)) {
    const line = parseLine(raw);
    if (typeof line === 'string') problems.push(`${source} line ${number}: ${line}`);
    else if (line.kind === 'p') policies.push(line.rule);
    else groupings.push(line.rule);
  }
  return { policies, groupings, problems };
}

/** `[groups, email]` → `['groups', 'email']` (Argo CD's `scopes` key). */
export function parseScopes(text: string | undefined): string[] {
  if (text === undefined) return ['groups'];
  return text
    .replace(/^\s*\[|\]\s*$/g, '')
    .split(',')
    .map((s) => s.trim().replace(/^["']|["']$/g, ''))
    .filter((s) => s !== '');
}

/** The `tiphys-rbac` ConfigMap's data (absent ConfigMap: `{}`) plus the built-in policy. */
export function rbacConfigFromData(data: Record<string, string>): RbacConfig {
  const builtin = parsePolicyCsv(BUILTIN_POLICY, 'built-in policy');
  const config: RbacConfig = {
    policies: [...builtin.policies],
    groupings: [...builtin.groupings],
    defaultRole: data['policy.default']?.trim() || undefined,
    anonymous: data['policy.anonymous']?.trim() === 'true',
    scopes: parseScopes(data.scopes),
    problems: [],
  };
  // `policy.csv` first, then any `policy.NAME.csv` overlays, in name order, as Argo CD reads them.
  const keys = Object.keys(data)
    .filter((k) => /^policy\.([\w.-]+\.)?csv$/.test(k))
    .sort((a, b) => (a === 'policy.csv' ? -1 : b === 'policy.csv' ? 1 : a.localeCompare(b)));
  for (const key of keys) addPolicy(config, parsePolicyCsv(data[key], `tiphys-rbac ${key}`));
  return config;
}

export function addPolicy(
  config: RbacConfig,
  parsed: { policies: PolicyRule[]; groupings: GroupingRule[]; problems: string[] },
): void {
  config.policies.push(...parsed.policies);
  config.groupings.push(...parsed.groupings);
  config.problems.push(...parsed.problems);
}

export interface ProjectRoles {
  metadata: { name: string };
  spec?: { roles?: { name: string; policies?: string[]; groups?: string[] }[] };
}

export function projectRoleSubject(project: string, role: string): string {
  return `proj:${project}:${role}`;
}

/**
 * A project's role policies, confined to the project: each line must name the role's own subject
 * and an application or pipeline object under `PROJECT/`, so editing a project cannot grant rights
 * elsewhere.
 * A role's `groups` become `g, GROUP, proj:PROJECT:ROLE`.
 */
export function projectRolePolicies(project: ProjectRoles): {
  policies: PolicyRule[];
  groupings: GroupingRule[];
  problems: string[];
} {
  const name = project.metadata.name;
  const result = { policies: [] as PolicyRule[], groupings: [] as GroupingRule[], problems: [] as string[] };
  for (const role of project.spec?.roles ?? []) {
    const subject = projectRoleSubject(name, role.name);
    const where = `AppProject ${name} role ${role.name}`;
    const parsed = parsePolicyCsv((role.policies ?? []).join('\n'), where);
    result.problems.push(...parsed.problems);
    if (parsed.groupings.length > 0) result.problems.push(`${where}: g lines are not allowed; use groups`);
    for (const rule of parsed.policies) {
      const [sub, res, , obj] = rule;
      if (sub !== subject) result.problems.push(`${where}: subject must be ${subject}, not ${sub}`);
      else if ((res !== 'applications' && res !== 'pipelines') || !obj.startsWith(`${name}/`)) {
        result.problems.push(
          `${where}: only applications and pipelines under ${name}/ may be granted, not ${res} ${obj}`,
        );
      } else result.policies.push(rule);
    }
    for (const group of role.groups ?? []) {
      if (FIELD.test(group) && !isReservedName(group)) result.groupings.push([group, subject]);
      else result.problems.push(`${where}: invalid group "${group.slice(0, 80)}"`);
    }
  }
  return result;
}

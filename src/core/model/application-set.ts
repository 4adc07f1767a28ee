// ApplicationSet: stamps out Applications from generators and a template. The field names are
// Argo CD's, so an Argo CD ApplicationSet of the supported generators works after its apiVersion
// changes (docs/fleet.md lists what is supported). Generated apps are checked again as
// Applications (src/core/appset/render-apps.ts): the template here is only a shape.
import { type Static, Type } from 'typebox';
import {
  API_VERSION,
  Closed,
  Condition,
  FreeForm,
  ObjectMeta,
  StringEnum,
  StringMap,
  Timestamp,
} from './common.ts';
import { manifestErrors } from './validate.ts';

export const APPLICATION_SET_KIND = 'ApplicationSet';

export const LabelSelectorRequirement = Closed({
  key: Type.String({ minLength: 1 }),
  operator: StringEnum({ In: 'In', NotIn: 'NotIn', Exists: 'Exists', DoesNotExist: 'DoesNotExist' }),
  values: Type.Optional(Type.Array(Type.String())),
});
export const LabelSelector = Closed({
  matchLabels: Type.Optional(StringMap()),
  matchExpressions: Type.Optional(Type.Array(LabelSelectorRequirement)),
});
export type LabelSelector = Static<typeof LabelSelector>;

export const ApplicationSetTemplate = Closed({
  metadata: Closed({
    name: Type.Optional(Type.String({ description: 'Usually a {{param}} expression.' })),
    namespace: Type.Optional(Type.String({ description: 'Ignored: apps live in the control namespace.' })),
    labels: Type.Optional(StringMap()),
    annotations: Type.Optional(StringMap()),
    finalizers: Type.Optional(Type.Array(Type.String())),
  }),
  spec: FreeForm({
    description:
      "An Application spec (Tiphys's, or Argo CD's with destination.server or destination.name), with {{param}} expressions.",
  }),
});
export type ApplicationSetTemplate = Static<typeof ApplicationSetTemplate>;

/** A generator-level template, merged over spec.template (Argo CD's override). */
const TemplateOverride = Type.Optional(FreeForm({ description: 'Overrides parts of spec.template.' }));

const ListGenerator = Closed({
  elements: Type.Array(FreeForm(), { description: 'One parameter set per element.' }),
  template: TemplateOverride,
});
const ClusterGenerator = Closed({
  selector: Type.Optional(LabelSelector),
  values: Type.Optional(StringMap({ description: 'Extra parameters values.<key>; may use cluster params.' })),
  template: TemplateOverride,
});
const GitGenerator = Closed({
  repoURL: Type.String({ minLength: 1 }),
  revision: Type.Optional(Type.String({ description: 'Branch, tag or commit. Default: HEAD.' })),
  directories: Type.Optional(
    Type.Array(Closed({ path: Type.String({ minLength: 1 }), exclude: Type.Optional(Type.Boolean()) })),
  ),
  files: Type.Optional(Type.Array(Closed({ path: Type.String({ minLength: 1 }) }))),
  pathParamPrefix: Type.Optional(Type.String()),
  values: Type.Optional(StringMap()),
  requeueAfterSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
  template: TemplateOverride,
});

/** The generators that read a source; matrix and merge children may also be matrix or merge. */
const leafGenerators = {
  list: Type.Optional(ListGenerator),
  clusters: Type.Optional(ClusterGenerator),
  git: Type.Optional(GitGenerator),
  selector: Type.Optional(LabelSelector),
};

// CRD schemas cannot recurse: a nested matrix or merge is kept free-form here and validated
// against this same schema when it runs (nestedGenerator below).
const NestedCombination = Type.Optional(FreeForm({ description: 'A matrix or merge of generators.' }));
export const NestedGenerator = Closed({
  ...leafGenerators,
  matrix: NestedCombination,
  merge: NestedCombination,
});
export type NestedGenerator = Static<typeof NestedGenerator>;

const MatrixGenerator = Closed({
  generators: Type.Array(NestedGenerator, { description: 'Exactly two generators.' }),
  template: TemplateOverride,
});
const MergeGenerator = Closed({
  mergeKeys: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
  generators: Type.Array(NestedGenerator, { minItems: 1 }),
  template: TemplateOverride,
});
export type MatrixGenerator = Static<typeof MatrixGenerator>;
export type MergeGenerator = Static<typeof MergeGenerator>;
export type ListGenerator = Static<typeof ListGenerator>;
export type ClusterGenerator = Static<typeof ClusterGenerator>;
export type GitGenerator = Static<typeof GitGenerator>;

export const Generator = Closed({
  ...leafGenerators,
  matrix: Type.Optional(MatrixGenerator),
  merge: Type.Optional(MergeGenerator),
});
export type Generator = Static<typeof Generator>;

export const ApplicationsSyncPolicy = {
  CreateOnly: 'create-only',
  CreateUpdate: 'create-update',
  CreateDelete: 'create-delete',
  Sync: 'sync',
} as const;
export type ApplicationsSyncPolicy = (typeof ApplicationsSyncPolicy)[keyof typeof ApplicationsSyncPolicy];

const RolloutStep = Closed({
  matchExpressions: Type.Optional(Type.Array(LabelSelectorRequirement)),
  maxUpdate: Type.Optional(
    Type.Unsafe<number | string>({
      'x-kubernetes-int-or-string': true,
      description: 'Apps of the step updated at once: a count or a percentage (25%). Default: all.',
    }),
  ),
});
export type RolloutStep = Static<typeof RolloutStep>;

export const ApplicationSetSpec = Closed({
  goTemplate: Type.Optional(Type.Boolean({ description: 'Not supported: only {{param}} templates.' })),
  generators: Type.Array(Generator, { minItems: 1 }),
  template: ApplicationSetTemplate,
  syncPolicy: Type.Optional(
    Closed({
      applicationsSync: Type.Optional(
        StringEnum(ApplicationsSyncPolicy, {
          description: 'What the set may do to its apps. Default: sync (create, update, delete).',
        }),
      ),
      preserveResourcesOnDeletion: Type.Optional(
        Type.Boolean({ description: 'Deleting a generated app leaves its resources in the cluster.' }),
      ),
    }),
  ),
  strategy: Type.Optional(
    Closed({
      type: StringEnum({ AllAtOnce: 'AllAtOnce', RollingSync: 'RollingSync' }),
      rollingSync: Type.Optional(Closed({ steps: Type.Array(RolloutStep, { minItems: 1 }) })),
    }),
  ),
  maxApplications: Type.Optional(
    Type.Integer({ minimum: 0, description: 'Refuse to generate more apps than this (Tiphys).' }),
  ),
});
export type ApplicationSetSpec = Static<typeof ApplicationSetSpec>;

export const ApplicationSetAppStatus = Type.Object({
  application: Type.String(),
  step: Type.Optional(Type.Integer()),
  status: Type.String({ description: 'Waiting, Progressing, Healthy, Degraded, Held, Refused.' }),
  message: Type.Optional(Type.String()),
});
export type ApplicationSetAppStatus = Static<typeof ApplicationSetAppStatus>;

export const ApplicationSetStatus = Type.Object({
  conditions: Type.Optional(Type.Array(Condition)),
  applicationStatus: Type.Optional(Type.Array(ApplicationSetAppStatus)),
  rollout: Type.Optional(
    Type.Object({
      revision: Type.String({ description: 'Hash of every generated spec this rollout delivers.' }),
      phase: Type.String({ description: 'Progressing, Completed, Stopped or Aborted.' }),
      step: Type.Optional(Type.Integer()),
      message: Type.Optional(Type.String()),
      lastAction: Type.Optional(Type.String({ description: 'The last resume@id or abort@id acted on.' })),
      accepted: Type.Optional(
        Type.Array(Type.String(), { description: 'Degraded apps a person resumed past in this rollout.' }),
      ),
    }),
  ),
  generatedAt: Type.Optional(Timestamp()),
  observedGeneration: Type.Optional(
    Type.Integer({ description: 'The metadata.generation of the spec this status describes.' }),
  ),
});
export type ApplicationSetStatus = Static<typeof ApplicationSetStatus>;

export const ApplicationSet = Type.Object({
  apiVersion: Type.Literal(API_VERSION),
  kind: Type.Literal(APPLICATION_SET_KIND),
  metadata: ObjectMeta,
  spec: ApplicationSetSpec,
  status: Type.Optional(ApplicationSetStatus),
});
export type ApplicationSet = Static<typeof ApplicationSet>;

/** Readable messages for every problem of an ApplicationSet as written (status ignored). */
export function validateApplicationSet(obj: unknown): string[] {
  const errors = manifestErrors(ApplicationSet, obj);
  const spec = (obj as Partial<ApplicationSet> | undefined)?.spec;
  if (spec?.goTemplate)
    errors.push('spec.goTemplate: Go templates are not supported; use {{param}} expressions');
  if (spec?.strategy?.type === 'RollingSync' && !spec.strategy.rollingSync) {
    errors.push('spec.strategy.rollingSync: required when type is RollingSync');
  }
  for (const [i, step] of (spec?.strategy?.rollingSync?.steps ?? []).entries()) {
    const max = step.maxUpdate;
    const ok =
      max === undefined ||
      (typeof max === 'number' && Number.isInteger(max) && max >= 0) ||
      (typeof max === 'string' && /^(100|[1-9]?[0-9])%$/.test(max));
    if (!ok) errors.push(`spec.strategy.rollingSync.steps[${i}].maxUpdate: a count or a percentage like 25%`);
  }
  return errors;
}

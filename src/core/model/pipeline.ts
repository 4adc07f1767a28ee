// Pipeline: the ordered environments (stages) a release moves through, dev → staging → prod. What
// moves is a freight: a set of versions verified together (the image tags of an overlay, or the
// config tree of a branch). Promotion is always a commit in the config repository
// (docs/promotion.md).
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

export const PIPELINE_KIND = 'Pipeline';

export const PipelineLayout = { overlays: 'overlays', branches: 'branches' } as const;
export type PipelineLayout = (typeof PipelineLayout)[keyof typeof PipelineLayout];

export const MergeStrategy = { fastForward: 'fastForward', merge: 'merge' } as const;
export type MergeStrategy = (typeof MergeStrategy)[keyof typeof MergeStrategy];

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

export const VerificationSpec = Closed({
  cluster: Type.Optional(Type.String({ description: "Cluster to run the Job in; default the first app's." })),
  namespace: Type.Optional(Type.String({ description: "Namespace of the Job; default the first app's." })),
  job: FreeForm({ description: 'The Job spec (batch/v1 JobSpec); it must complete successfully.' }),
  timeoutSeconds: Type.Optional(
    Type.Integer({ minimum: 1, description: 'Fail the gate after this long (default 600).' }),
  ),
  retries: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 10,
      description:
        'Run a failed (or timed-out) Job again, as a new Job, up to this many times before the gate fails (default 0).',
    }),
  ),
  retryBackoffSeconds: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 3600,
      description: 'Wait before the first retry, doubled for each next one (default 10).',
    }),
  ),
});
export type VerificationSpec = Static<typeof VerificationSpec>;

export const StageSpec = Closed({
  name: Type.String({ pattern: DNS_LABEL, maxLength: 40 }),
  applications: Type.Array(Type.String({ minLength: 1 }), {
    minItems: 1,
    description: "Applications of the pipeline's project that run this stage (any clusters).",
  }),
  path: Type.Optional(Type.String({ description: 'overlays layout: the overlay folder promotions write.' })),
  branch: Type.Optional(Type.String({ description: 'branches layout: the branch promotions move.' })),
  strategy: Type.Optional(
    StringEnum(MergeStrategy, {
      description: 'branches layout: how the branch moves (default fastForward).',
    }),
  ),
  soakSeconds: Type.Optional(
    Type.Integer({ minimum: 0, description: 'The previous stage must be Synced and Healthy this long.' }),
  ),
  approval: Type.Optional(
    Type.Boolean({ description: 'A person must approve each freight for this stage.' }),
  ),
  autoPromote: Type.Optional(
    Type.Boolean({ description: 'Promote as soon as the gates pass (default true).' }),
  ),
  verification: Type.Optional(VerificationSpec),
});
export type StageSpec = Static<typeof StageSpec>;

export const PipelineSpec = Closed({
  project: Type.String({ minLength: 1, description: 'AppProject of every Application of the pipeline.' }),
  repoURL: Type.String({ minLength: 1, description: 'The config repository promotions commit to.' }),
  layout: StringEnum(PipelineLayout, {
    description: 'overlays: one branch, a folder per stage; branches: a branch per stage.',
  }),
  branch: Type.Optional(Type.String({ description: 'overlays layout: the branch (default main).' })),
  author: Type.Optional(Closed({ name: Type.String(), email: Type.String() })),
  stages: Type.Array(StageSpec, { minItems: 1 }),
});
export type PipelineSpec = Static<typeof PipelineSpec>;

/** A set of versions verified together; its id is a hash of what it pins (docs/promotion.md). */
export const Freight = Closed({
  id: Type.String(),
  images: Type.Optional(StringMap({ description: 'Image name → tag or digest (overlays layout).' })),
  tree: Type.Optional(Type.String({ description: 'Git tree of the config (branches layout).' })),
  commit: Type.String({ description: 'A commit of the config repository where the stage ran it.' }),
});
export type Freight = Static<typeof Freight>;

export const Approval = Closed({
  stage: Type.String(),
  freight: Type.String(),
  by: Type.String(),
  at: Timestamp(),
});
export type Approval = Static<typeof Approval>;

export const PromotionRequest = Closed({
  kind: StringEnum({ promote: 'promote', rollback: 'rollback' } as const),
  stage: Type.String(),
  freight: Type.Optional(
    Type.String({ description: 'Default (promote): what the previous stage verified.' }),
  ),
  by: Type.String(),
  at: Timestamp(),
});
export type PromotionRequest = Static<typeof PromotionRequest>;

export const GateState = Type.Object({
  name: Type.String(),
  passed: Type.Boolean(),
  message: Type.String(),
});
export type GateState = Static<typeof GateState>;

export const StageHistoryEntry = Type.Object({
  kind: Type.String(),
  freight: Type.String(),
  by: Type.String(),
  at: Timestamp(),
  result: Type.String(),
  message: Type.Optional(Type.String()),
  commit: Type.Optional(Type.String()),
});
export type StageHistoryEntry = Static<typeof StageHistoryEntry>;

export const VerificationState = Type.Object({
  freight: Type.String(),
  job: Type.String(),
  /** Running, Retrying (an attempt failed, the next starts at retryAt), Succeeded, Failed. */
  phase: Type.String(),
  message: Type.Optional(Type.String()),
  startedAt: Timestamp(),
  /** 1 for the first Job; each retry is a new Job with the next number. */
  attempt: Type.Optional(Type.Integer()),
  retryAt: Type.Optional(Timestamp()),
});
export type VerificationState = Static<typeof VerificationState>;

export const StageStatus = Type.Object({
  name: Type.String(),
  current: Type.Optional(Freight),
  health: Type.String({ description: 'Healthy when every app is Synced and Healthy at one revision.' }),
  message: Type.Optional(Type.String()),
  healthySince: Type.Optional(Timestamp()),
  verification: Type.Optional(VerificationState),
  verified: Type.Optional(Type.Array(Freight, { description: 'Freight verified here, newest first.' })),
  candidate: Type.Optional(Type.String({ description: 'The freight waiting to enter this stage.' })),
  gates: Type.Optional(Type.Array(GateState)),
  held: Type.Optional(
    Type.String({ description: 'A freight rolled back from: not promoted here again automatically.' }),
  ),
  history: Type.Optional(Type.Array(StageHistoryEntry)),
  conditions: Type.Optional(Type.Array(Condition)),
});
export type StageStatus = Static<typeof StageStatus>;

export const PipelineStatus = Type.Object({
  observedGeneration: Type.Optional(Type.Integer()),
  stages: Type.Optional(Type.Array(StageStatus)),
  conditions: Type.Optional(Type.Array(Condition)),
  lastRequest: Type.Optional(
    Type.Object({ at: Type.String(), result: Type.String(), message: Type.String() }),
  ),
});
export type PipelineStatus = Static<typeof PipelineStatus>;

export const Pipeline = Type.Object({
  apiVersion: Type.Literal(API_VERSION),
  kind: Type.Literal(PIPELINE_KIND),
  metadata: ObjectMeta,
  spec: PipelineSpec,
  approvals: Type.Optional(
    Type.Array(Approval, { description: 'Approvals, written by tiphys approve and the API.' }),
  ),
  request: Type.Optional(PromotionRequest),
  status: Type.Optional(PipelineStatus),
});
export type Pipeline = Static<typeof Pipeline>;

/** Readable messages for every problem of a Pipeline as written, schema and stage rules alike. */
export function validatePipeline(obj: unknown): string[] {
  const problems = manifestErrors(Pipeline, obj);
  if (problems.length > 0) return problems;
  const { spec } = obj as Pipeline;
  const seen = new Set<string>();
  for (const [i, stage] of spec.stages.entries()) {
    const at = `spec.stages[${i}]`;
    if (seen.has(stage.name)) problems.push(`${at}.name: stage ${stage.name} is listed twice`);
    seen.add(stage.name);
    if (spec.layout === 'overlays' && !stage.path)
      problems.push(`${at}.path: is required by the overlays layout`);
    if (spec.layout === 'branches' && !stage.branch)
      problems.push(`${at}.branch: is required by the branches layout`);
    if (stage.path !== undefined && (stage.path.split('/').includes('..') || stage.path.startsWith('/'))) {
      problems.push(`${at}.path: must stay inside the repository`);
    }
    if (stage.branch !== undefined && !/^[A-Za-z0-9._][A-Za-z0-9._/-]*$/.test(stage.branch)) {
      problems.push(`${at}.branch: ${JSON.stringify(stage.branch)} is not a branch name`);
    }
  }
  if (spec.branch !== undefined && !/^[A-Za-z0-9._][A-Za-z0-9._/-]*$/.test(spec.branch)) {
    problems.push(`spec.branch: ${JSON.stringify(spec.branch)} is not a branch name`);
  }
  return problems;
}

// What a pipeline should do next (pure): from its stages' statuses, its approvals and the pending
// request, the gates of every stage and the promotions or rollback to write now. A person's
// request goes first and is refused with the reason when a gate holds; automatic promotions
// follow, one per stage, never twice for the same freight and never undoing a rollback.
import type { Freight, Pipeline, StageStatus } from '../model/pipeline.ts';
import { blockingGate, evaluateGates, type GateVerdict } from './gates.ts';

/** After a failed write, the same automatic promotion waits this long before it is tried again. */
export const RETRY_FAILED_PROMOTION_MS = 60_000;

export interface PromotionAction {
  kind: 'promote' | 'rollback';
  stage: string;
  freight: Freight;
  by: string;
}

export interface PipelinePlan {
  verdicts: Map<string, GateVerdict>;
  actions: PromotionAction[];
  /** The pending request could not run: why (the request is then dropped, the reason recorded). */
  refusal?: string;
}

export const AUTO_PROMOTER = 'tiphys (automatic)';

export function planPipeline(pipeline: Pipeline, statuses: readonly StageStatus[], now: Date): PipelinePlan {
  const { stages } = pipeline.spec;
  const byName = new Map(statuses.map((s) => [s.name, s]));
  const verdicts = new Map<string, GateVerdict>();
  for (const [i, stage] of stages.entries()) {
    if (i === 0) continue;
    verdicts.set(
      stage.name,
      evaluateGates({
        stage,
        status: byName.get(stage.name),
        previousStage: stages[i - 1],
        previousStatus: byName.get(stages[i - 1].name),
        approvals: pipeline.approvals ?? [],
        now,
      }),
    );
  }
  const actions: PromotionAction[] = [];
  let refusal: string | undefined;
  const request = pipeline.request;
  if (request) {
    const answer = requestAction(pipeline, statuses, request, now);
    if (typeof answer === 'string') refusal = answer;
    else actions.push(answer);
  }
  for (const [i, stage] of stages.entries()) {
    if (i === 0 || stage.autoPromote === false || actions.some((a) => a.stage === stage.name)) continue;
    const verdict = verdicts.get(stage.name);
    const status = byName.get(stage.name);
    const candidate = verdict?.candidate;
    if (!verdict?.passed || !candidate) continue;
    if (candidate.id === status?.current?.id || candidate.id === status?.held) continue;
    if (recentlyTried(status, candidate.id, now)) continue;
    actions.push({ kind: 'promote', stage: stage.name, freight: candidate, by: AUTO_PROMOTER });
  }
  return { verdicts, actions, refusal };
}

/** A promotion of this freight was committed (waiting for the apps) or failed a moment ago. */
function recentlyTried(status: StageStatus | undefined, freight: string, now: Date): boolean {
  const last = status?.history?.find((h) => h.kind === 'promote' || h.kind === 'rollback');
  if (last?.kind !== 'promote' || last.freight !== freight) return false;
  if (last.result !== 'Failed') return true;
  return now.getTime() - Date.parse(last.at) < RETRY_FAILED_PROMOTION_MS;
}

function requestAction(
  pipeline: Pipeline,
  statuses: readonly StageStatus[],
  request: NonNullable<Pipeline['request']>,
  now: Date,
): PromotionAction | string {
  const { stages } = pipeline.spec;
  const index = stages.findIndex((s) => s.name === request.stage);
  if (index < 0) return `pipeline ${pipeline.metadata.name} has no stage ${request.stage}`;
  const stage = stages[index];
  const status = statuses.find((s) => s.name === stage.name);
  if (request.kind === 'rollback') {
    const verified = status?.verified ?? [];
    const target = verified.find((f) => f.id === request.freight);
    if (!target) {
      const known = verified.map((f) => f.id).join(', ') || 'none yet';
      return `stage ${stage.name} never verified freight ${request.freight ?? '(none given)'} (verified: ${known})`;
    }
    return { kind: 'rollback', stage: stage.name, freight: target, by: request.by };
  }
  if (index === 0)
    return `stage ${stage.name} is the first stage: commits to its source feed it, not promotions`;
  const previous = statuses.find((s) => s.name === stages[index - 1].name);
  let freight: Freight | undefined;
  if (request.freight) {
    freight = previous?.verified?.find((f) => f.id === request.freight);
    if (!freight) return `stage ${stages[index - 1].name} never verified freight ${request.freight}`;
  }
  const verdict = evaluateGates(
    {
      stage,
      status,
      previousStage: stages[index - 1],
      previousStatus: previous,
      approvals: pipeline.approvals ?? [],
      now,
    },
    freight,
  );
  const blocked = blockingGate(verdict);
  if (blocked || !verdict.candidate) return `promotion to ${stage.name} refused: ${blocked}`;
  return { kind: 'promote', stage: stage.name, freight: verdict.candidate, by: request.by };
}

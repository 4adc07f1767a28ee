// The gates a freight passes to enter a stage (pure): the previous stage runs it Synced and
// Healthy, its verification Job (if any) succeeded, it soaked there long enough, and (if asked) a
// person approved it for this stage. Each gate says in one line why it holds or not.
import type { Approval, Freight, GateState, StageSpec, StageStatus } from '../model/pipeline.ts';
import { describeFreight } from './freight.ts';

export interface GateInput {
  stage: StageSpec;
  status: StageStatus | undefined;
  previousStage: StageSpec;
  previousStatus: StageStatus | undefined;
  approvals: readonly Approval[];
  now: Date;
}

export interface GateVerdict {
  /** What would enter the stage; undefined when the previous stage offers nothing new. */
  candidate?: Freight;
  gates: GateState[];
  passed: boolean;
  /** Why nothing is offered, when there is no candidate. */
  message?: string;
  /** The release failed in the previous stage (Degraded, verification Job failed): why. */
  blocked?: string;
}

/** The freight the previous stage offers: what it runs now, once verified there. */
export function offeredFreight(previousStatus: StageStatus | undefined): Freight | undefined {
  const current = previousStatus?.current;
  if (!current) return undefined;
  return previousStatus?.verified?.find((f) => f.id === current.id);
}

/** The gates for `freight` (default: what the previous stage offers) to enter `stage`. */
export function evaluateGates(input: GateInput, freight?: Freight): GateVerdict {
  const { stage, previousStage, previousStatus: prev, now } = input;
  const candidate = freight ?? offeredFreight(prev);
  const blocked = blockedIn(previousStage.name, prev);
  if (!candidate) {
    const why = prev?.current
      ? `stage ${previousStage.name} has not verified ${prev.current.id}${blocked ? `: ${blocked.replace(/^\w+: /, '')}` : ' yet'}`
      : `stage ${previousStage.name} runs no verified freight yet`;
    return { gates: [], passed: false, message: why, ...(blocked ? { blocked } : {}) };
  }
  const gates: GateState[] = [];
  const runsIt = prev?.health === 'Healthy' && prev.current?.id === candidate.id;
  gates.push({
    name: 'health',
    passed: runsIt,
    message: runsIt
      ? `every application of ${previousStage.name} is Synced and Healthy at ${candidate.id}`
      : `${previousStage.name} does not run ${candidate.id} Synced and Healthy: ${prev?.message ?? 'no status yet'}`,
  });
  if (previousStage.verification) {
    const v = prev?.verification;
    const done = v?.freight === candidate.id && v.phase === 'Succeeded';
    const message =
      v?.freight !== candidate.id
        ? `verification of ${candidate.id} in ${previousStage.name} has not started`
        : v.phase === 'Succeeded'
          ? `verification Job ${v.job} succeeded`
          : v.phase === 'Failed'
            ? `verification Job ${v.job} failed${v.message ? `: ${v.message}` : ''}`
            : v.phase === 'Retrying'
              ? `verification Job ${v.job} ${v.message ?? 'failed; it will be retried'}`
              : `verification Job ${v.job} is running`;
    gates.push({ name: 'verification', passed: done, message });
  }
  if (stage.soakSeconds) {
    const since = runsIt && prev?.healthySince ? Date.parse(prev.healthySince) : undefined;
    const soaked = since === undefined ? 0 : Math.max(0, Math.floor((now.getTime() - since) / 1000));
    const passed = since !== undefined && soaked >= stage.soakSeconds;
    gates.push({
      name: 'soak',
      passed,
      message: passed
        ? `healthy in ${previousStage.name} for ${soaked} s (soak ${stage.soakSeconds} s)`
        : `soaking in ${previousStage.name}: ${soaked} of ${stage.soakSeconds} s`,
    });
  }
  if (stage.approval) {
    const approval = input.approvals.find((a) => a.stage === stage.name && a.freight === candidate.id);
    gates.push({
      name: 'approval',
      passed: approval !== undefined,
      message: approval
        ? `approved by ${approval.by} at ${approval.at}`
        : `waiting for approval of ${describeFreight(candidate)} for ${stage.name}`,
    });
  }
  return { candidate, gates, passed: gates.every((g) => g.passed), ...(blocked ? { blocked } : {}) };
}

/** Why the release failed in the previous stage, or undefined while it is fine or still moving. */
function blockedIn(name: string, prev: StageStatus | undefined): string | undefined {
  if (prev?.health === 'Degraded') return `health: stage ${name} is Degraded: ${prev.message}`;
  const v = prev?.verification;
  if (v && v.phase === 'Failed' && v.freight === prev?.current?.id) {
    return `verification: verification Job ${v.job} failed${v.message ? `: ${v.message}` : ''}`;
  }
  return undefined;
}

/** The first gate that holds the freight back, as a sentence, or undefined when all pass. */
export function blockingGate(verdict: GateVerdict): string | undefined {
  if (!verdict.candidate) return verdict.message;
  const failed = verdict.gates.find((g) => !g.passed);
  return failed ? `${failed.name}: ${failed.message}` : undefined;
}

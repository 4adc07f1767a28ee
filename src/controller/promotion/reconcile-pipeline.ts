// One reconcile of a Pipeline: check it against its project, observe each stage from its apps,
// run verification Jobs, evaluate the gates, carry out the request and the automatic promotions
// (commits in the config repository), and write the status on every path, so a refusal or a
// failed gate always shows as a condition with its reason.

import type { DestinationRegistry } from '../../adapters/control-plane/destination-registry.ts';
import { tiphysPath } from '../../adapters/control-plane/paths.ts';
import type { KubeRest } from '../../adapters/kube/rest.ts';
import type { AppProject } from '../../core/model/app-project.ts';
import type { Application } from '../../core/model/application.ts';
import type { Condition } from '../../core/model/common.ts';
import type { Freight, Pipeline, PipelineStatus, StageSpec, StageStatus } from '../../core/model/pipeline.ts';
import { validatePipeline } from '../../core/model/pipeline.ts';
import { describeFreight } from '../../core/promotion/freight.ts';
import type { GateVerdict } from '../../core/promotion/gates.ts';
import { type PromotionAction, planPipeline } from '../../core/promotion/plan.ts';
import {
  addHistory,
  needsVerification,
  nextStageStatus,
  observeStage,
} from '../../core/promotion/stage-state.ts';
import { attemptOf, retryDue } from '../../core/promotion/verification-retry.ts';
import { pipelineProblems } from '../../domain/pipelines.ts';
import { freightAt, type PromotionGit, writeFreight } from '../../domain/promotion/git-promotion.ts';
import { errorMessage, type Logger } from '../log.ts';
import { checkVerification, startVerification } from './verification.ts';

export interface PipelineReconcileDeps {
  rest: KubeRest;
  namespace: string;
  apps: (name: string) => Application | undefined;
  project: (name: string) => Promise<AppProject | undefined>;
  destinations: DestinationRegistry;
  git: PromotionGit;
  /** Asks for a reconcile of an Application now (after a promotion commit). */
  refreshApp: (name: string) => void;
  log: Logger;
}

const condition = (type: string, message: string, now: Date): Condition => ({
  type,
  message,
  lastTransitionTime: now.toISOString(),
});

export async function reconcilePipeline(
  deps: PipelineReconcileDeps,
  pipeline: Pipeline,
  now = new Date(),
): Promise<void> {
  const name = pipeline.metadata.name;
  const status: PipelineStatus = {
    ...pipeline.status,
    observedGeneration: pipeline.metadata.generation,
    conditions: [],
  };
  const errors = validatePipeline(pipeline);
  const problems =
    errors.length > 0 ? [] : pipelineProblems(pipeline, await deps.project(pipeline.spec.project), deps.apps);
  if (errors.length > 0 || problems.length > 0) {
    const type = errors.length > 0 ? 'InvalidSpec' : 'ProjectViolation';
    const message = [...errors, ...problems].join('; ');
    status.conditions = [condition(type, message, now)];
    if (pipeline.request) {
      status.lastRequest = { at: pipeline.request.at, result: 'Refused', message: `${type}: ${message}` };
      await clearRequest(deps, pipeline);
    }
    await writeStatus(deps, name, status);
    return;
  }
  const stages: StageStatus[] = [];
  for (const stage of pipeline.spec.stages) {
    stages.push(await observe(deps, pipeline, stage, now));
  }
  const plan = planPipeline(pipeline, stages, now);
  for (const stage of stages) showGates(stage, plan.verdicts.get(stage.name), now);
  for (const action of plan.actions) await carryOut(deps, pipeline, stages, action, now);
  if (pipeline.request) {
    const done = plan.actions.find(
      (a) => a.by === pipeline.request?.by && a.stage === pipeline.request.stage,
    );
    const entry = done && stages.find((s) => s.name === done.stage)?.history?.[0];
    status.lastRequest = {
      at: pipeline.request.at,
      result: plan.refusal ? 'Refused' : entry?.result === 'Failed' ? 'Failed' : 'Succeeded',
      message: plan.refusal ?? entry?.message ?? 'done',
    };
    await clearRequest(deps, pipeline);
  }
  status.stages = stages;
  await writeStatus(deps, name, status);
}

/** The stage now: health from its apps, the freight of their revision, its verification Job. */
async function observe(
  deps: PipelineReconcileDeps,
  pipeline: Pipeline,
  stage: StageSpec,
  now: Date,
): Promise<StageStatus> {
  const previous = pipeline.status?.stages?.find((s) => s.name === stage.name);
  const apps = new Map<string, Application>();
  for (const name of stage.applications) {
    const app = deps.apps(name);
    if (app) apps.set(name, app);
  }
  let observed = observeStage(stage, apps);
  let freight: Freight | undefined;
  const conditions: Condition[] = [];
  try {
    // Every app's revision must pin the same freight; the commit recorded is one of them.
    const found = [];
    for (const revision of observed.revisions ?? [])
      found.push(await freightAt(deps.git, pipeline, stage, revision));
    const ids = new Set(found.map((f) => f.id));
    if (ids.size === 1) freight = found.at(-1);
    else if (ids.size > 1) {
      observed = {
        health: 'Progressing',
        message: `applications run ${ids.size} different freight: ${[...ids].join(', ')}`,
      };
    }
  } catch (error) {
    conditions.push(condition('FreightError', errorMessage(error), now));
  }
  let status = nextStageStatus(stage, { ...previous, conditions } as StageStatus, observed, freight, now);
  if (!stage.verification) return status;
  const firstApp = apps.get(stage.applications[0]);
  try {
    if (needsVerification(stage, status) && status.current) {
      status.verification = await startVerification(
        deps.destinations,
        pipeline,
        stage,
        status.current,
        firstApp,
        now,
      );
    } else if (status.current && status.verification && retryDue(status.verification, now)) {
      status.verification = await startVerification(
        deps.destinations,
        pipeline,
        stage,
        status.current,
        firstApp,
        now,
        attemptOf(status.verification) + 1,
      );
    } else if (status.verification?.phase === 'Running') {
      status.verification = await checkVerification(
        deps.destinations,
        stage,
        status.verification,
        firstApp,
        now,
      );
      if (status.verification.phase === 'Succeeded')
        status = nextStageStatus(stage, status, observed, freight, now);
    }
  } catch (error) {
    conditions.push(condition('VerificationError', `verification Job: ${errorMessage(error)}`, now));
  }
  if (status.verification?.phase === 'Failed' && status.verification.freight === status.current?.id) {
    conditions.push(
      condition(
        'VerificationFailed',
        `verification Job ${status.verification.job} failed: ${status.verification.message ?? ''}`,
        now,
      ),
    );
  }
  status.conditions = conditions;
  return status;
}

/** Records the gates of the freight waiting at a stage; a gate that failed (not one still waiting) is a condition. */
function showGates(stage: StageStatus, verdict: GateVerdict | undefined, now: Date): void {
  if (!verdict) return;
  if (stage.held && verdict.candidate && verdict.candidate.id !== stage.held) delete stage.held;
  const waiting =
    verdict.candidate && verdict.candidate.id !== stage.current?.id ? verdict.candidate : undefined;
  stage.candidate = waiting?.id;
  stage.gates = waiting ? verdict.gates : [];
  if (!stage.candidate) delete stage.candidate;
  if (verdict.blocked) {
    stage.conditions = [...(stage.conditions ?? []), condition('PromotionBlocked', verdict.blocked, now)];
  }
}

async function carryOut(
  deps: PipelineReconcileDeps,
  pipeline: Pipeline,
  stages: StageStatus[],
  action: PromotionAction,
  now: Date,
): Promise<void> {
  const stage = pipeline.spec.stages.find((s) => s.name === action.stage) as StageSpec;
  const status = stages.find((s) => s.name === action.stage) as StageStatus;
  const entry = { kind: action.kind, freight: action.freight.id, by: action.by, at: now.toISOString() };
  try {
    const project = await deps.project(pipeline.spec.project);
    if (!project) throw new Error(`project ${pipeline.spec.project} does not exist`);
    const written = await writeFreight(deps.git, pipeline, project, stage, action.freight, action);
    status.history = addHistory(status.history, {
      ...entry,
      result: written.outcome === 'committed' ? 'Committed' : 'Unchanged',
      message: written.message,
      ...(written.commit ? { commit: written.commit } : {}),
    });
    if (action.kind === 'rollback' && status.current && status.current.id !== action.freight.id)
      status.held = status.current.id;
    for (const app of stage.applications) deps.refreshApp(app);
    deps.log.info(
      { pipeline: pipeline.metadata.name, stage: stage.name, freight: action.freight.id },
      `${action.kind} ${describeFreight(action.freight)} by ${action.by}: ${written.message}`,
    );
  } catch (error) {
    const message = errorMessage(error);
    status.history = addHistory(status.history, { ...entry, result: 'Failed', message });
    status.conditions = [
      ...(status.conditions ?? []),
      condition('PromotionFailed', `${action.kind} of ${action.freight.id}: ${message}`, now),
    ];
    deps.log.warn(
      { pipeline: pipeline.metadata.name, stage: stage.name, reason: 'PromotionFailed' },
      message,
    );
  }
}

/** Drops the request the reconcile answered, unless a newer one replaced it meanwhile. */
async function clearRequest(deps: PipelineReconcileDeps, pipeline: Pipeline): Promise<void> {
  const path = tiphysPath(deps.namespace, 'pipelines', pipeline.metadata.name);
  await deps.rest
    .request('PATCH', path, {
      body: [
        { op: 'test', path: '/request/at', value: pipeline.request?.at },
        { op: 'remove', path: '/request' },
      ],
      contentType: 'application/json-patch+json',
    })
    .catch((error: unknown) => {
      // 422: the test failed, a newer request is there; the next reconcile answers it.
      if ((error as { status?: number }).status !== 422) throw error;
    });
}

async function writeStatus(deps: PipelineReconcileDeps, name: string, status: PipelineStatus): Promise<void> {
  await deps.rest.request('PATCH', tiphysPath(deps.namespace, 'pipelines', name, 'status'), {
    body: [{ op: 'add', path: '/status', value: status }],
    contentType: 'application/json-patch+json',
  });
}

// Pipelines: read, create, replace, delete, and the requests people make of a stage (approve a
// freight, promote, roll back), the same way for the CLI (with a kubeconfig) and the API server.
// A pipeline is project-scoped: every Application it names must belong to its project and read
// its repository, and the project must permit that repository; the controller checks the same
// before each write (docs/promotion.md).
import { apiStatus, getWithRetry, MERGE_PATCH, tiphysPath } from '../adapters/control-plane/paths.ts';
import type { AppProject } from '../core/model/app-project.ts';
import type { Application } from '../core/model/application.ts';
import { DEFAULT_PROJECT, IN_CLUSTER } from '../core/model/common.ts';
import type { Approval, Pipeline, PromotionRequest } from '../core/model/pipeline.ts';
import { validatePipeline } from '../core/model/pipeline.ts';
import { projectViolations } from '../core/model/project-policy.ts';
import type { ControlPlane } from './control-plane.ts';
import { ConflictError, InvalidRequestError, NotFoundError } from './errors.ts';
import { writeRefusal } from './write-back.ts';

const PLURAL = 'pipelines';
/** Approvals kept per pipeline: the newest; an old approval names freight long gone. */
const APPROVALS_KEPT = 50;

export class PipelineNotFoundError extends NotFoundError {
  override name = 'PipelineNotFoundError';
}

/** A promotion or rollback was requested and the controller has not taken it yet. */
export class PromotionPendingError extends ConflictError {
  override name = 'PromotionPendingError';
}

export async function getPipeline(cp: ControlPlane, name: string): Promise<Pipeline> {
  try {
    return await getWithRetry<Pipeline>(cp.rest, tiphysPath(cp.namespace, PLURAL, name));
  } catch (error) {
    if (apiStatus(error) === 404 && !/could not find the requested/.test(String(error))) {
      throw new PipelineNotFoundError(`pipeline "${name}" not found in namespace ${cp.namespace}`);
    }
    throw error;
  }
}

export async function listPipelines(cp: ControlPlane): Promise<Pipeline[]> {
  return (await getWithRetry<{ items: Pipeline[] }>(cp.rest, tiphysPath(cp.namespace, PLURAL))).items;
}

export async function createPipeline(cp: ControlPlane, pipeline: Pipeline): Promise<Pipeline> {
  await admitPipeline(cp, pipeline);
  return cp.rest.request<Pipeline>('POST', tiphysPath(cp.namespace, PLURAL), { body: pipeline });
}

export async function deletePipeline(cp: ControlPlane, name: string): Promise<void> {
  try {
    await cp.rest.request('DELETE', tiphysPath(cp.namespace, PLURAL, name));
  } catch (error) {
    if (apiStatus(error) === 404)
      throw new PipelineNotFoundError(`pipeline "${name}" not found in namespace ${cp.namespace}`);
    throw error;
  }
}

/**
 * Why the pipeline may not run (empty when it may): an Application that is missing, of another
 * project, or reading another repository; a repository or a verification destination the project
 * does not permit. `apps` and `project` are what the control plane holds now.
 */
export function pipelineProblems(
  pipeline: Pipeline,
  project: AppProject | undefined,
  apps: (name: string) => Application | undefined,
): string[] {
  const { spec } = pipeline;
  if (!project) return [`project ${spec.project} does not exist`];
  const problems: string[] = [];
  const refusal = writeRefusal({ name: spec.project, spec: project.spec }, spec.repoURL);
  if (refusal) problems.push(refusal.replace(/: nothing was written$/, ''));
  for (const stage of spec.stages) {
    for (const name of stage.applications) {
      const app = apps(name);
      const appProject = app?.spec.project || DEFAULT_PROJECT;
      // An app of another project answers as a missing one: a pipeline cannot probe other teams' names.
      if (!app || appProject !== spec.project) {
        problems.push(`stage ${stage.name}: application ${name} not found in project ${spec.project}`);
      } else if (app.spec.source?.repoURL !== spec.repoURL) {
        // A promotion writes one repository: an app of several sources is not promoted by it.
        problems.push(
          `stage ${stage.name}: application ${name} reads ${app.spec.source?.repoURL ?? 'several sources'}, not the pipeline's repository`,
        );
      }
    }
    if (stage.verification) {
      const first = apps(stage.applications[0]);
      const cluster = stage.verification.cluster ?? first?.spec.destination.cluster ?? IN_CLUSTER;
      const namespace = stage.verification.namespace ?? first?.spec.destination.namespace ?? '';
      const denied = projectViolations(
        spec.project,
        { ...project.spec, sourceRepos: ['*'] },
        {
          repoURL: spec.repoURL,
          cluster,
          namespace,
        },
      );
      for (const problem of denied) problems.push(`stage ${stage.name}: verification Job: ${problem}`);
    }
  }
  return problems;
}

/** A valid spec whose project exists and permits everything it names; else InvalidRequestError. */
export async function admitPipeline(cp: ControlPlane, pipeline: Pipeline): Promise<void> {
  const errors = validatePipeline(pipeline);
  if (errors.length > 0) {
    throw new InvalidRequestError(`invalid pipeline "${pipeline.metadata?.name}": ${errors.join('; ')}`);
  }
  const project = await getWithRetry<AppProject>(
    cp.rest,
    tiphysPath(cp.namespace, 'appprojects', pipeline.spec.project),
  ).catch((error: unknown) => {
    if (apiStatus(error) === 404) return undefined;
    throw error;
  });
  const names = new Set(pipeline.spec.stages.flatMap((s) => s.applications));
  const apps = new Map<string, Application>();
  for (const name of names) {
    const app = await getWithRetry<Application>(
      cp.rest,
      tiphysPath(cp.namespace, 'applications', name),
    ).catch((error: unknown) => {
      if (apiStatus(error) === 404) return undefined;
      throw error;
    });
    if (app) apps.set(name, app);
  }
  const problems = pipelineProblems(pipeline, project, (name) => apps.get(name));
  if (problems.length > 0) {
    throw new InvalidRequestError(
      `pipeline "${pipeline.metadata.name}" not permitted: ${problems.join('; ')}`,
    );
  }
}

/**
 * Read-compute-write of a pipeline guarded by its resourceVersion, retried on conflict (the
 * controller writes status all the time). `change` returns the merge patch or throws to refuse.
 */
async function updatePipeline(
  cp: ControlPlane,
  name: string,
  change: (pipeline: Pipeline) => Record<string, unknown>,
): Promise<Pipeline> {
  for (let attempt = 1; ; attempt++) {
    const current = await getPipeline(cp, name);
    const patch = change(current);
    try {
      return await cp.rest.request<Pipeline>('PATCH', tiphysPath(cp.namespace, PLURAL, name), {
        body: { ...patch, metadata: { resourceVersion: current.metadata.resourceVersion } },
        contentType: MERGE_PATCH,
      });
    } catch (error) {
      if (apiStatus(error) !== 409 || attempt >= 5) throw error;
    }
  }
}

function stageOf(pipeline: Pipeline, stage: string) {
  const found = pipeline.spec.stages.find((s) => s.name === stage);
  if (!found) {
    const names = pipeline.spec.stages.map((s) => s.name).join(', ');
    throw new NotFoundError(
      `pipeline "${pipeline.metadata.name}" has no stage "${stage}" (stages: ${names})`,
    );
  }
  return found;
}

/** The freight waiting to enter `stage` now, as the controller last reported it. */
export function waitingFreight(pipeline: Pipeline, stage: string): string | undefined {
  return pipeline.status?.stages?.find((s) => s.name === stage)?.candidate;
}

/**
 * Records `by`'s approval of a freight for a stage (default: the one waiting at it), with the
 * time. The controller promotes it once the other gates pass; the approval names that freight
 * only, so a later release needs its own.
 */
export async function approveStage(
  cp: ControlPlane,
  name: string,
  request: { stage: string; freight?: string; by: string },
  now = new Date(),
): Promise<Approval> {
  let approval: Approval | undefined;
  await updatePipeline(cp, name, (pipeline) => {
    const stage = stageOf(pipeline, request.stage);
    if (!stage.approval)
      throw new ConflictError(`stage ${stage.name} of pipeline "${name}" needs no approval`);
    const freight = request.freight ?? waitingFreight(pipeline, stage.name);
    if (!freight)
      throw new ConflictError(`no freight waits for approval at stage ${stage.name} of pipeline "${name}"`);
    approval = { stage: stage.name, freight, by: request.by, at: now.toISOString() };
    const kept = (pipeline.approvals ?? []).filter((a) => !(a.stage === stage.name && a.freight === freight));
    return { approvals: [...kept, approval].slice(-APPROVALS_KEPT) };
  });
  return approval as Approval;
}

/** Asks the controller to promote into a stage, or roll it back; refused while one is pending. */
export async function requestPromotion(
  cp: ControlPlane,
  name: string,
  request: Omit<PromotionRequest, 'at'>,
  now = new Date(),
): Promise<PromotionRequest> {
  const written: PromotionRequest = { ...request, at: now.toISOString() };
  await updatePipeline(cp, name, (pipeline) => {
    stageOf(pipeline, request.stage);
    if (request.kind === 'rollback' && !request.freight) {
      throw new InvalidRequestError(
        'freight: a rollback names the freight to go back to (see the stage history)',
      );
    }
    if (pipeline.request) {
      throw new PromotionPendingError(
        `a ${pipeline.request.kind} of stage ${pipeline.request.stage} is already requested on pipeline "${name}"; wait for it`,
      );
    }
    return { request: written };
  });
  return written;
}

// `tiphys pipeline list|get|wait|rollback`, `tiphys promote` and `tiphys approve`: the promotion
// commands people and CI pipelines run. Through the API server when logged in (RBAC and audit see
// every call), else the domain operations on the control cluster with a kubeconfig. Waits print a
// progress line on stderr whenever what they wait on changes, and end with the codes of
// exit-codes.ts.
import { userInfo } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { Pipeline, PromotionRequest, StageStatus } from '../core/model/pipeline.ts';
import {
  approveStage,
  getPipeline as getPipelineOn,
  listPipelines,
  requestPromotion,
} from '../domain/pipelines.ts';
import { seconds } from './app/wait.ts';
import { EXIT, progress } from './exit-codes.ts';
import { addGlobalOptions, type CommandContext, withBackend } from './kube-context.ts';
import { exitWith, formatTable, printOutput, withoutManagedFields } from './output.ts';

const API = '/api/v1/pipelines';
const POLL_MS = 1_000;
const kubeconfigUser = () => `kubeconfig:${userInfo().username}`;

async function readPipeline(ctx: CommandContext, name: string): Promise<Pipeline> {
  return ctx.api ? ctx.api.get<Pipeline>(`${API}/${encodeURIComponent(name)}`) : getPipelineOn(ctx, name);
}

async function stageCall(ctx: CommandContext, name: string, stage: string, verb: string, freight?: string) {
  const path = `${API}/${encodeURIComponent(name)}/stages/${encodeURIComponent(stage)}/${verb}`;
  return ctx.api?.post<{ message: string }>(path, freight ? { freight } : {});
}

const stageRows = (p: Pipeline) =>
  p.spec.stages.map((spec) => {
    const s = p.status?.stages?.find((x) => x.name === spec.name);
    const blocked = s?.gates?.find((g) => !g.passed);
    return [
      spec.name,
      spec.applications.join(','),
      s?.current?.id ?? '',
      s?.health ?? 'Unknown',
      s?.candidate ? `${s.candidate}${blocked ? ` (${blocked.name}: ${blocked.message})` : ''}` : '',
      s?.conditions?.map((c) => `${c.type}: ${c.message}`).join('; ') ?? '',
    ];
  });

/** The sentence that says why the stage failed, or undefined while it is fine or still moving. */
function failure(stage: StageStatus | undefined): string | undefined {
  const bad = stage?.conditions?.find((c) =>
    ['PromotionBlocked', 'VerificationFailed', 'PromotionFailed'].includes(c.type),
  );
  if (bad) return `${bad.type}: ${bad.message}`;
  if (stage?.health === 'Degraded') return `stage ${stage.name} is Degraded: ${stage.message ?? ''}`;
  return undefined;
}

/**
 * Polls until `done` says the stage is there (exit 0), it failed (exit 3) or the timeout (exit 4),
 * printing a progress line each time the stage's summary changes.
 */
async function waitOnStage(
  ctx: CommandContext,
  name: string,
  stage: string,
  timeoutS: number,
  done: (p: Pipeline, s: StageStatus | undefined) => boolean,
): Promise<Pipeline> {
  const deadline = Date.now() + timeoutS * 1000;
  let last = '';
  for (;;) {
    const p = await readPipeline(ctx, name);
    const s = p.status?.stages?.find((x) => x.name === stage);
    if (!p.spec.stages.some((x) => x.name === stage))
      exitWithMessage(EXIT.error, `pipeline "${name}" has no stage "${stage}"`);
    if (done(p, s)) return p;
    const why = failure(s);
    if (why) exitWithMessage(EXIT.failed, `stage ${stage} of pipeline "${name}": ${why}`);
    const gate = s?.gates?.find((g) => !g.passed);
    const line = `${stage}: ${s?.health ?? 'Unknown'} at ${s?.current?.id ?? 'nothing yet'}${s?.candidate ? `; ${s.candidate} waiting${gate ? ` (${gate.name}: ${gate.message})` : ''}` : ''}`;
    if (line !== last) progress(line);
    last = line;
    if (Date.now() >= deadline)
      exitWithMessage(
        EXIT.timeout,
        `timed out after ${timeoutS} s waiting on stage ${stage} of pipeline "${name}": ${line}`,
      );
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
  }
}

function exitWithMessage(code: number, message: string): never {
  console.error(`error: ${message}`);
  exitWith(code);
}

/** Writes the request, then waits for the controller's answer to that very request. */
async function requestAndAwait(
  ctx: CommandContext,
  name: string,
  request: Omit<PromotionRequest, 'at' | 'by'>,
  timeoutS: number,
): Promise<Pipeline> {
  let at: string;
  if (ctx.api) {
    const before = Date.now();
    await stageCall(ctx, name, request.stage, request.kind, request.freight);
    at = new Date(before - 1000).toISOString();
  } else {
    at = (await requestPromotion(ctx, name, { ...request, by: kubeconfigUser() })).at;
  }
  progress(`${request.kind} of stage ${request.stage} requested; waiting for the controller`);
  const deadline = Date.now() + timeoutS * 1000;
  for (;;) {
    const p = await readPipeline(ctx, name);
    const answer = p.status?.lastRequest;
    if (!p.request && answer && answer.at >= at) return p;
    if (Date.now() >= deadline)
      exitWithMessage(
        EXIT.timeout,
        `timed out after ${timeoutS} s: the controller has not answered (is tiphys controller running?)`,
      );
    await sleep(POLL_MS);
  }
}

export function registerPipelineCommands(program: Command): void {
  const pipeline = addGlobalOptions(
    program.command('pipeline').description('promotion pipelines: stages, gates, history'),
  );
  pipeline
    .command('list')
    .description('list pipelines')
    .action(async (_f: unknown, command: Command) =>
      withBackend(command, async (ctx) => {
        const items = ctx.api
          ? (await ctx.api.get<{ items: Pipeline[] }>(API)).items
          : await listPipelines(ctx);
        printOutput(ctx.output, items.map(withoutManagedFields), () =>
          formatTable(
            ['NAME', 'PROJECT', 'LAYOUT', 'STAGES'],
            items.map((p) => [
              p.metadata.name,
              p.spec.project,
              p.spec.layout,
              p.spec.stages.map((s) => s.name).join(' → '),
            ]),
          ),
        );
      }),
    );
  pipeline
    .command('get')
    .description('show each stage: what it runs, its health, what waits at it and why')
    .argument('<name>')
    .action(async (name: string, _f: unknown, command: Command) =>
      withBackend(command, async (ctx) => {
        const p = await readPipeline(ctx, name);
        printOutput(ctx.output, withoutManagedFields(p), () =>
          formatTable(['STAGE', 'APPS', 'RUNS', 'HEALTH', 'WAITING', 'CONDITIONS'], stageRows(p)),
        );
      }),
    );
  pipeline
    .command('wait')
    .description(
      'wait until a stage runs a freight Synced and Healthy; exit 4 on timeout, 3 when the release failed there',
    )
    .argument('<name>')
    .requiredOption('--stage <stage>', 'the stage to wait on')
    .option(
      '--freight <id>',
      'the freight to wait for (default: what the previous stage runs now; for the first stage, any)',
    )
    .option('--timeout <seconds>', 'give up after this long', seconds, 600)
    .action(
      async (name: string, flags: { stage: string; freight?: string; timeout: number }, command: Command) =>
        withBackend(command, async (ctx) => {
          const start = await readPipeline(ctx, name);
          // Default: the release in flight, what the previous stage runs now.
          const index = start.spec.stages.findIndex((s) => s.name === flags.stage);
          const previous = index > 0 ? start.spec.stages[index - 1].name : undefined;
          const wanted = flags.freight ?? start.status?.stages?.find((s) => s.name === previous)?.current?.id;
          const p = await waitOnStage(
            ctx,
            name,
            flags.stage,
            flags.timeout,
            (_p, s) => s?.health === 'Healthy' && !!s.current && (!wanted || s.current.id === wanted),
          );
          const s = p.status?.stages?.find((x) => x.name === flags.stage);
          printOutput(
            ctx.output,
            s,
            () => `stage ${flags.stage} of pipeline "${name}" runs ${s?.current?.id}, Healthy`,
          );
        }),
    );
  pipeline
    .command('rollback')
    .description('roll a stage back to a freight it verified before (a commit in Git); exit 3 when refused')
    .argument('<name>')
    .requiredOption('--stage <stage>')
    .requiredOption('--freight <id>', 'a freight of the stage history')
    .option('--timeout <seconds>', 'wait this long for the controller', seconds, 120)
    .action(
      async (name: string, flags: { stage: string; freight: string; timeout: number }, command: Command) =>
        withBackend(command, async (ctx) => {
          const p = await requestAndAwait(
            ctx,
            name,
            { kind: 'rollback', stage: flags.stage, freight: flags.freight },
            flags.timeout,
          );
          report(p);
        }),
    );

  addGlobalOptions(
    program
      .command('promote')
      .description('promote into a stage now (its gates must pass); exit 3 when refused, with the reason')
      .argument('<pipeline>')
      .requiredOption('--stage <stage>', 'the stage to promote into')
      .option('--freight <id>', 'default: what the previous stage verified and runs')
      .option('--wait', 'then wait until the stage runs it Synced and Healthy')
      .option('--timeout <seconds>', 'give up after this long', seconds, 600)
      .action(
        async (
          name: string,
          flags: { stage: string; freight?: string; wait?: boolean; timeout: number },
          command: Command,
        ) =>
          withBackend(command, async (ctx) => {
            const p = await requestAndAwait(
              ctx,
              name,
              { kind: 'promote', stage: flags.stage, freight: flags.freight },
              flags.timeout,
            );
            report(p);
            if (!flags.wait) return;
            const freight = p.status?.stages?.find((s) => s.name === flags.stage)?.history?.[0]?.freight;
            await waitOnStage(
              ctx,
              name,
              flags.stage,
              flags.timeout,
              (_x, s) => s?.health === 'Healthy' && s.current?.id === freight,
            );
            console.log(`stage ${flags.stage} runs ${freight}, Healthy`);
          }),
      ),
  );
  addGlobalOptions(
    program
      .command('approve')
      .description('approve the freight waiting at a stage (recorded with who and when)')
      .argument('<pipeline>')
      .requiredOption('--stage <stage>', 'the stage to approve for')
      .option('--freight <id>', 'default: the freight waiting at the stage')
      .action(async (name: string, flags: { stage: string; freight?: string }, command: Command) =>
        withBackend(command, async (ctx) => {
          if (ctx.api) {
            console.log((await stageCall(ctx, name, flags.stage, 'approve', flags.freight))?.message);
            return;
          }
          const approval = await approveStage(ctx, name, {
            stage: flags.stage,
            freight: flags.freight,
            by: kubeconfigUser(),
          });
          console.log(`freight ${approval.freight} approved for stage ${approval.stage} by ${approval.by}`);
        }),
      ),
  );
}

function report(p: Pipeline): void {
  const answer = p.status?.lastRequest;
  if (answer?.result === 'Succeeded') {
    console.log(answer.message);
    return;
  }
  exitWithMessage(EXIT.failed, `${answer?.result ?? 'no answer'}: ${answer?.message ?? ''}`);
}

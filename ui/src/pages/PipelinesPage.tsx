// Pipelines: each pipeline's stages side by side, what each runs, the freight waiting at it and
// its gates, with approve / promote / roll back. Kept live by the pipelines' SSE stream (a stage's
// state is the Pipeline's status, written by the controller); the apps' badges by the apps' stream.
import { useState } from 'react';
import { api, errorMessage } from '../api/client.ts';
import type { Freight, Pipeline, StageSpec, StageStatus } from '../api/types.ts';
import { HealthBadge, SyncBadge } from '../components/Badge.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { notify } from '../components/toasts.tsx';
import { href } from '../router.ts';
import { useApps } from '../state/apps-store.ts';
import { useLivePipelines } from '../state/pipelines-live.ts';

export function PipelinesPage() {
  const { data, error, reload, live } = useLivePipelines();
  return (
    <div className="page" data-live={live ? 'live' : 'reconnecting'}>
      <div className="page-title">
        <h1>Pipelines</h1>
        <span className="muted count">{data?.length ?? ''}</span>
      </div>
      <ErrorBox error={error} onRetry={reload} />
      {data?.length === 0 && (
        <p className="empty">
          No pipelines. A <code>Pipeline</code> moves releases through stages (dev → prod); see
          docs/promotion.md.
        </p>
      )}
      {data?.map((p) => (
        <PipelineView key={p.metadata.name} pipeline={p} onChange={reload} />
      ))}
    </div>
  );
}

function PipelineView({ pipeline, onChange }: { pipeline: Pipeline; onChange: () => void }) {
  const problems = pipeline.status?.conditions ?? [];
  const last = pipeline.status?.lastRequest;
  return (
    <section className="pipeline" data-pipeline={pipeline.metadata.name}>
      <h2>
        {pipeline.metadata.name}{' '}
        <span className="muted small">
          project {pipeline.spec.project}, {pipeline.spec.layout}
        </span>
      </h2>
      {problems.map((c) => (
        <div key={c.type} className="error-box" data-condition={c.type}>
          {c.type}: {c.message}
        </div>
      ))}
      {last && (
        <p className="muted small" data-last-request={last.result}>
          Last request: {last.result} — {last.message}
        </p>
      )}
      <div
        className="stages"
        style={{ display: 'flex', gap: '1rem', alignItems: 'stretch', overflowX: 'auto' }}
      >
        {pipeline.spec.stages.map((spec) => (
          <StageCard
            key={spec.name}
            pipeline={pipeline.metadata.name}
            spec={spec}
            status={pipeline.status?.stages?.find((s) => s.name === spec.name)}
            onChange={onChange}
          />
        ))}
      </div>
    </section>
  );
}

const freightText = (f: Freight | undefined) =>
  !f
    ? 'nothing yet'
    : f.images
      ? Object.values(f.images).join(', ') || f.id
      : `${f.id} (${f.commit.slice(0, 7)})`;

function StageCard(props: {
  pipeline: string;
  spec: StageSpec;
  status: StageStatus | undefined;
  onChange: () => void;
}) {
  const { pipeline, spec, status, onChange } = props;
  const { byName } = useApps();
  const [busy, setBusy] = useState(false);
  const [target, setTarget] = useState('');
  const act = async (verb: 'approve' | 'promote' | 'rollback', freight?: string) => {
    setBusy(true);
    try {
      notify((await api.stageAction(pipeline, spec.name, verb, freight)).message, 'info');
      onChange();
    } catch (error) {
      notify(errorMessage(error), 'error');
    } finally {
      setBusy(false);
    }
  };
  const approvalWaiting = status?.gates?.some((g) => g.name === 'approval' && !g.passed);
  const older = (status?.verified ?? []).filter((f) => f.id !== status?.current?.id);
  return (
    <div className="card stage" data-stage={spec.name} style={{ minWidth: '16rem', flex: '1 1 0' }}>
      <h3>
        {spec.name} <HealthBadge status={status?.health} message={status?.message} />
      </h3>
      <div className="small">
        Runs <strong data-current>{freightText(status?.current)}</strong>
      </div>
      <ul className="plain small">
        {spec.applications.map((name) => {
          const app = byName.get(name);
          return (
            <li key={name}>
              <a href={href('applications', name)}>{name}</a> <SyncBadge status={app?.status?.sync?.status} />{' '}
              <HealthBadge status={app?.status?.health?.status} />
            </li>
          );
        })}
      </ul>
      {(status?.conditions ?? []).map((c) => (
        <div key={c.type} className="error-box small" data-condition={c.type}>
          {c.type}: {c.message}
        </div>
      ))}
      {status?.candidate && (
        <div className="small" data-candidate={status.candidate}>
          Waiting: <code>{status.candidate}</code>
          <ul className="plain">
            {(status.gates ?? []).map((g) => (
              <li key={g.name} data-gate={g.name} data-passed={String(g.passed)}>
                {g.passed ? '✓' : '…'} {g.name}: {g.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="actions" style={{ display: 'flex', gap: '0.5rem', flexWrap: 'wrap' }}>
        {spec.approval && status?.candidate && approvalWaiting && (
          <button type="button" className="button" disabled={busy} onClick={() => act('approve')}>
            Approve
          </button>
        )}
        {status?.candidate && (
          <button type="button" className="button subtle" disabled={busy} onClick={() => act('promote')}>
            Promote
          </button>
        )}
        {older.length > 0 && (
          <>
            <select
              aria-label={`Roll ${spec.name} back to`}
              value={target}
              onChange={(e) => setTarget(e.target.value)}
            >
              <option value="">Roll back to…</option>
              {older.map((f) => (
                <option key={f.id} value={f.id}>
                  {freightText(f)}
                </option>
              ))}
            </select>
            <button
              type="button"
              className="button subtle"
              disabled={busy || !target}
              onClick={() => act('rollback', target)}
            >
              Roll back
            </button>
          </>
        )}
      </div>
      {(status?.history?.length ?? 0) > 0 && (
        <details className="small">
          <summary>History</summary>
          <ul className="plain">
            {status?.history?.slice(0, 10).map((h) => (
              <li key={`${h.at}-${h.kind}-${h.freight}`}>
                {h.at.replace('T', ' ').slice(0, 19)} {h.kind} {h.freight} by {h.by}: {h.result}
                {h.message ? ` (${h.message})` : ''}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

// What merging a branch (a tag, a commit) of an app's repository would change in the cluster:
// the preview API (the comparison the controller runs, a server-side dry run, Secrets masked),
// nothing written. The revision is kept in the address (#/applications/NAME/preview?revision=…)
// so a reviewer can share the link.
import { type FormEvent, useEffect, useState } from 'react';
import { api, errorMessage } from '../api/client.ts';
import type { AppDiff } from '../api/types.ts';
import { DiffText } from '../components/DiffText.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { shortRevision } from '../lib/format.ts';
import { href, navigate } from '../router.ts';
import { useApps } from '../state/apps-store.ts';

type Result =
  | { state: 'idle' }
  | { state: 'loading' }
  | { state: 'done'; diff: AppDiff }
  | { state: 'error'; message: string };

export function PreviewPage({ name, revision }: { name: string; revision: string }) {
  const app = useApps().byName.get(name);
  const [text, setText] = useState(revision);
  const [result, setResult] = useState<Result>({ state: 'idle' });
  const sources = app?.spec.sources?.length ?? 1;

  useEffect(() => {
    setText(revision);
    if (revision === '') return setResult({ state: 'idle' });
    let current = true;
    setResult({ state: 'loading' });
    api.preview(name, revision).then(
      (diff) => current && setResult({ state: 'done', diff }),
      (e: unknown) => current && setResult({ state: 'error', message: errorMessage(e) }),
    );
    return () => {
      current = false;
    };
  }, [name, revision]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const wanted = text.trim();
    if (wanted === '') return;
    navigate(`${href('applications', name, 'preview')}?revision=${encodeURIComponent(wanted)}`);
  };

  return (
    <div className="page preview-page">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <a href="#/applications">Applications</a>
        <span aria-hidden="true">/</span>
        <a href={href('applications', name)}>{name}</a>
        <span aria-hidden="true">/</span>
        <span>Preview</span>
      </nav>
      <h1>Preview a change to {name}</h1>
      <p className="muted">
        What syncing this revision would change in the cluster: rendered and checked against the project as
        the controller would, dry-run on the destination, compared with the live objects. Nothing is written;
        Secret values are masked.
      </p>
      <form className="preview-form" onSubmit={submit}>
        <input
          type="text"
          aria-label="Revision to preview"
          placeholder={
            sources > 1 ? `one revision per source: REV1;REV2 (${sources} sources)` : 'branch, tag or commit'
          }
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <button
          type="submit"
          className="button primary"
          disabled={text.trim() === '' || result.state === 'loading'}
        >
          Preview
        </button>
      </form>
      {result.state === 'loading' && <p className="muted">Rendering and comparing {revision}…</p>}
      {result.state === 'error' && <ErrorBox error={`Preview of ${revision}: ${result.message}`} />}
      {result.state === 'done' && <PreviewResult revision={revision} diff={result.diff} />}
    </div>
  );
}

function PreviewResult({ revision, diff }: { revision: string; diff: AppDiff }) {
  const changed = diff.resources.filter((r) => r.status !== 'Synced' || r.diff);
  return (
    <section aria-label="Preview result" data-testid="preview-result">
      <p>
        <strong>{revision}</strong> is{' '}
        <span className="mono" title={diff.revision}>
          {shortRevision(diff.revision)}
        </span>
        :{' '}
        {changed.length === 0
          ? 'no change to the cluster.'
          : `${changed.length} of ${diff.resources.length} objects would change.`}
      </p>
      <div className="diffs">
        {changed.map((r) => (
          <section key={r.key} className="diff">
            <h3 className="mono">
              {r.key} <span className="tag warn">{r.status}</span>
            </h3>
            {r.diff ? <DiffText text={r.diff} /> : <p className="muted">No field-level diff to show.</p>}
          </section>
        ))}
      </div>
    </section>
  );
}

// Sync now: prune and dry-run switches, an optional revision, and which resources to sync.
import { type FormEvent, useMemo, useState } from 'react';
import { api, errorMessage } from '../api/client.ts';
import type { Application, SyncRequest } from '../api/types.ts';
import { SyncBadge } from '../components/Badge.tsx';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { Modal } from '../components/Modal.tsx';
import { notify } from '../components/toasts.tsx';
import { keyOfRef } from '../graph/model.ts';
import { resourceLabel } from '../lib/format.ts';
import { primarySource } from '../list/filter.ts';

export function SyncDialog({ app, onClose }: { app: Application; onClose: () => void }) {
  const name = app.metadata.name;
  const resources = useMemo(
    () => (app.status?.resources ?? []).filter((r) => !r.hook),
    [app.status?.resources],
  );
  const [selected, setSelected] = useState(() => new Set(resources.map(keyOfRef)));
  const [prune, setPrune] = useState(false);
  const [dryRun, setDryRun] = useState(false);
  const [revision, setRevision] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const allSelected = resources.every((r) => selected.has(keyOfRef(r)));
  const toggle = (key: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body: SyncRequest = {};
    if (prune) body.prune = true;
    if (dryRun) body.dryRun = true;
    if (revision.trim()) body.revision = revision.trim();
    if (!allSelected) {
      body.resources = resources
        .filter((r) => selected.has(keyOfRef(r)))
        .map((r) => ({ group: r.group ?? '', kind: r.kind, namespace: r.namespace, name: r.name }));
    }
    setBusy(true);
    setError(undefined);
    try {
      await api.sync(name, body);
      notify(`${dryRun ? 'Dry run' : 'Sync'} of ${name} requested`);
      onClose();
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  const nothingSelected = resources.length > 0 && selected.size === 0;
  return (
    <Modal
      title={`Sync ${name}`}
      onClose={onClose}
      wide
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            form="sync-form"
            className="button primary"
            disabled={busy || nothingSelected}
          >
            {busy ? 'Requesting…' : dryRun ? 'Dry run' : 'Synchronize'}
          </button>
        </>
      }
    >
      <form id="sync-form" onSubmit={submit} className="form">
        <ErrorBox error={error} />
        <div className="options">
          <label className="check">
            <input type="checkbox" checked={prune} onChange={(e) => setPrune(e.target.checked)} />
            Prune <span className="muted">— delete resources no longer in Git</span>
          </label>
          <label className="check">
            <input type="checkbox" checked={dryRun} onChange={(e) => setDryRun(e.target.checked)} />
            Dry run <span className="muted">— check what would change, change nothing</span>
          </label>
          <label className="field">
            Revision
            <input
              value={revision}
              placeholder={`${primarySource(app).targetRevision || 'HEAD'} (the target revision)`}
              onChange={(e) => setRevision(e.target.value)}
            />
          </label>
        </div>
        <div className="resource-picker">
          <div className="picker-head">
            <strong>Resources</strong>
            <span className="muted">
              {selected.size} of {resources.length} selected
            </span>
            <button
              type="button"
              className="link-button"
              onClick={() => setSelected(new Set(resources.map(keyOfRef)))}
            >
              All
            </button>
            <button type="button" className="link-button" onClick={() => setSelected(new Set())}>
              None
            </button>
            <button
              type="button"
              className="link-button"
              onClick={() =>
                setSelected(new Set(resources.filter((r) => r.status === 'OutOfSync').map(keyOfRef)))
              }
            >
              Out of sync
            </button>
          </div>
          {resources.length === 0 ? (
            <p className="muted">No resources known yet: the whole application is synced.</p>
          ) : (
            <ul className="picker-list">
              {resources.map((r) => {
                const key = keyOfRef(r);
                return (
                  <li key={key}>
                    <label className="check">
                      <input
                        type="checkbox"
                        checked={selected.has(key)}
                        onChange={() => toggle(key)}
                        aria-label={resourceLabel(r)}
                      />
                      <span className="mono">{resourceLabel(r)}</span>
                      <SyncBadge status={r.status} />
                      {r.requiresPruning && <span className="tag warn">requires pruning</span>}
                    </label>
                  </li>
                );
              })}
            </ul>
          )}
          {nothingSelected && <p className="field-error">Select at least one resource.</p>}
        </div>
      </form>
    </Modal>
  );
}

// Deployment history, newest first, each with a Rollback (asked twice: it changes the cluster).
import { useState } from 'react';
import { api, errorMessage } from '../api/client.ts';
import type { Application } from '../api/types.ts';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { Modal } from '../components/Modal.tsx';
import { notify } from '../components/toasts.tsx';
import { formatTime, shortRevision, timeAgo } from '../lib/format.ts';

export function HistoryDialog({ app, onClose }: { app: Application; onClose: () => void }) {
  const name = app.metadata.name;
  const entries = [...(app.status?.history ?? [])].sort((a, b) => b.id - a.id);
  const [confirming, setConfirming] = useState<number>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const automated = Boolean(app.spec.syncPolicy?.automated);

  const rollback = async (id: number, revision: string) => {
    setBusy(true);
    setError(undefined);
    try {
      await api.rollback(name, id);
      notify(`Rollback of ${name} to ${shortRevision(revision)} requested`);
      onClose();
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <Modal title={`History of ${name}`} onClose={onClose} wide>
      <ErrorBox error={error} />
      {automated && (
        <p className="note">A rollback turns automated sync off, or the next sync would undo it.</p>
      )}
      {entries.length === 0 ? (
        <p className="muted">Nothing deployed yet.</p>
      ) : (
        <table className="table history">
          <thead>
            <tr>
              <th>ID</th>
              <th>Revision</th>
              <th>Deployed</th>
              <th>By</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {entries.map((h, i) => (
              <tr key={h.id} data-history-id={h.id}>
                <td>{h.id}</td>
                <td className="mono" title={h.revision}>
                  {shortRevision(h.revision)}
                  {i === 0 && <span className="tag ok">current</span>}
                </td>
                <td title={formatTime(h.deployedAt)}>{timeAgo(h.deployedAt)}</td>
                <td>{h.initiatedBy?.automated ? 'automated' : (h.initiatedBy?.username ?? '')}</td>
                <td className="actions-cell">
                  {confirming === h.id ? (
                    <span className="confirm">
                      Roll back to {shortRevision(h.revision)}?
                      <button
                        type="button"
                        className="button danger small"
                        disabled={busy}
                        onClick={() => rollback(h.id, h.revision)}
                      >
                        Confirm rollback
                      </button>
                      <button type="button" className="button small" onClick={() => setConfirming(undefined)}>
                        Cancel
                      </button>
                    </span>
                  ) : (
                    <button type="button" className="button small" onClick={() => setConfirming(h.id)}>
                      Rollback
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Modal>
  );
}

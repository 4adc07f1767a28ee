import { useState } from 'react';
import { api, errorMessage } from '../api/client.ts';
import type { Application } from '../api/types.ts';
import { ErrorBox } from '../components/ErrorBox.tsx';
import { Modal } from '../components/Modal.tsx';
import { notify } from '../components/toasts.tsx';
import { navigate } from '../router.ts';

export function DeleteDialog({ app, onClose }: { app: Application; onClose: () => void }) {
  const name = app.metadata.name;
  const [cascade, setCascade] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const remove = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api.deleteApplication(name, cascade);
      notify(`Deletion of ${name} requested`);
      onClose();
      navigate('#/applications');
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <Modal
      title={`Delete ${name}?`}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button danger" disabled={busy} onClick={remove}>
            {busy ? 'Deleting…' : 'Delete'}
          </button>
        </>
      }
    >
      <ErrorBox error={error} />
      <p>The application {name} will be deleted.</p>
      <label className="check">
        <input type="checkbox" checked={cascade} onChange={(e) => setCascade(e.target.checked)} />
        Cascade <span className="muted">— also delete the resources it deployed</span>
      </label>
      {!cascade && <p className="note">Its resources stay in the cluster, no longer managed.</p>}
    </Modal>
  );
}

// The Actions menu of a resource the app manages (docs/actions.md): what the object offers now,
// each run after a confirmation (with a field per parameter), the outcome as a toast. A refusal
// (no right, a disabled action, a failing script) is the server's own message.
import { useState } from 'react';
import { api, errorMessage } from '../api/client.ts';
import type { ResourceActionList, ResourceRef } from '../api/types.ts';
import { notify } from '../components/toasts.tsx';

type Action = ResourceActionList['actions'][number];

export function ResourceActions({ app, resource }: { app: string; resource: ResourceRef }) {
  const [open, setOpen] = useState(false);
  const [list, setList] = useState<ResourceActionList>();
  const [error, setError] = useState<string>();
  const [chosen, setChosen] = useState<Action>();
  const [values, setValues] = useState<Record<string, string>>({});
  const [running, setRunning] = useState(false);

  const toggle = async () => {
    if (open) {
      setOpen(false);
      return;
    }
    setOpen(true);
    setChosen(undefined);
    setError(undefined);
    try {
      setList(await api.resourceActions(app, resource));
    } catch (failure) {
      setError(errorMessage(failure));
    }
  };

  const run = async (action: Action) => {
    setRunning(true);
    try {
      const params = (action.params ?? []).map((p) => ({ name: p.name, value: values[p.name] ?? '' }));
      const result = await api.runResourceAction(app, resource, action.name, params);
      notify(result.message, 'info');
      setOpen(false);
    } catch (failure) {
      notify(`${action.name}: ${errorMessage(failure)}`, 'error');
    } finally {
      setRunning(false);
    }
  };

  return (
    <div className="actions-menu">
      <button type="button" className="button" aria-expanded={open} onClick={() => void toggle()}>
        Actions ▾
      </button>
      {open && (
        <div className="actions-popup" role="menu" aria-label="Resource actions">
          {error && <p className="error-text">{error}</p>}
          {!list && !error && <p className="muted">Loading…</p>}
          {list && list.actions.length === 0 && <p className="muted">No actions for a {resource.kind}.</p>}
          {list?.error && <p className="muted">{list.error}</p>}
          {!chosen &&
            list?.actions.map((action) => (
              <button
                key={action.name}
                type="button"
                role="menuitem"
                className="menu-item"
                disabled={action.disabled}
                onClick={() => setChosen(action)}
              >
                {action.displayName ?? action.name}
              </button>
            ))}
          {chosen && (
            <form
              className="action-confirm"
              onSubmit={(event) => {
                event.preventDefault();
                void run(chosen);
              }}
            >
              <p>
                Run <strong>{chosen.displayName ?? chosen.name}</strong> on {resource.kind} {resource.name}?
              </p>
              {(chosen.params ?? []).map((param) => (
                <label key={param.name} className="field">
                  {param.name}
                  <input
                    value={values[param.name] ?? ''}
                    placeholder={param.description}
                    onChange={(event) => setValues({ ...values, [param.name]: event.target.value })}
                  />
                </label>
              ))}
              <div className="row">
                <button type="submit" className="button primary" disabled={running}>
                  Run
                </button>
                <button type="button" className="button" onClick={() => setChosen(undefined)}>
                  Cancel
                </button>
              </div>
            </form>
          )}
        </div>
      )}
    </div>
  );
}

// Resume and Abort for a set's progressive rollout. Shown only when the server's RBAC says the
// user may update the set (the route checks again and audits each request), and only in a phase
// where the action means something: Resume for a stopped rollout, Abort for one not finished.
import { useState } from 'react';
import { api, errorMessage } from '../api/client.ts';
import { notify } from '../components/toasts.tsx';
import { useAsync } from '../lib/use-async.ts';

type Action = 'resume' | 'abort';

export function RolloutActions(props: { set: string; phase: string; onDone: () => void }) {
  const { set, phase } = props;
  const may = useAsync(() => api.canI('applicationsets', 'update', set), [set]);
  const [busy, setBusy] = useState<Action>();
  if (may.data === undefined) return null;
  // data-allowed says the permission is known, so a test of "no button" waits for the answer.
  const actions: Action[] = !may.data
    ? []
    : [
        ...(phase === 'Stopped' ? (['resume'] as const) : []),
        ...(phase === 'Stopped' || phase === 'Progressing' ? (['abort'] as const) : []),
      ];
  const run = async (action: Action) => {
    setBusy(action);
    try {
      await api.rolloutAction(set, action);
      notify(action === 'resume' ? 'Rollout resume requested' : 'Rollout abort requested');
      props.onDone();
    } catch (error) {
      notify(errorMessage(error), 'error');
    } finally {
      setBusy(undefined);
    }
  };
  return (
    <span className="rollout-actions" data-rollout-actions={set} data-allowed={String(may.data)}>
      {actions.map((action) => (
        <button
          key={action}
          type="button"
          className={action === 'resume' ? 'button primary' : 'button danger'}
          disabled={busy !== undefined}
          onClick={() => run(action)}
        >
          {action === 'resume' ? 'Resume rollout' : 'Abort rollout'}
        </button>
      ))}
    </span>
  );
}

// The Logs tab's choices: container (init containers marked), follow, previous run, tail lines
// and since. Each change reads the log again with the new options.
import type { LogOptions } from '../api/types.ts';
import { type ContainerChoice, SINCE_CHOICES, TAIL_CHOICES } from './log-options.ts';

export function LogsOptions({
  options,
  containers,
  onChange,
}: {
  options: LogOptions;
  containers: ContainerChoice[];
  onChange: (change: Partial<LogOptions>) => void;
}) {
  return (
    <div className="row logs-options">
      <label>
        Container{' '}
        <select value={options.container ?? ''} onChange={(e) => onChange({ container: e.target.value })}>
          <option value="">All containers</option>
          {containers.map((c) => (
            <option key={c.name} value={c.name}>
              {c.init ? `${c.name} (init)` : c.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        <input
          type="checkbox"
          checked={options.follow}
          onChange={(e) => onChange({ follow: e.target.checked })}
        />{' '}
        Follow
      </label>
      <label title="The log of the container's run before its last restart">
        <input
          type="checkbox"
          checked={options.previous ?? false}
          onChange={(e) => onChange({ previous: e.target.checked })}
        />{' '}
        Previous run
      </label>
      <label>
        Tail{' '}
        <select value={options.tailLines} onChange={(e) => onChange({ tailLines: Number(e.target.value) })}>
          {TAIL_CHOICES.map((n) => (
            <option key={n} value={n}>
              {n} lines
            </option>
          ))}
        </select>
      </label>
      <label>
        Since{' '}
        <select
          value={options.sinceSeconds ?? 0}
          onChange={(e) => onChange({ sinceSeconds: Number(e.target.value) })}
        >
          {SINCE_CHOICES.map((s) => (
            <option key={s.seconds} value={s.seconds}>
              {s.label}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}

// The Logs tab of the resource panel: the logs of a Pod, or of the Pods below a workload, read
// as a stream (followed by default), with a choice of container, previous run, tail and since.
// A log the node cannot serve (kwok's simulated nodes) or a previous run that does not exist
// shows the server's reason in place of lines, never an error page.
import { useEffect, useState } from 'react';
import { api, errorMessage } from '../api/client.ts';
import type { LogEntry, LogOptions, ResourceRef } from '../api/types.ts';
import { readLogStream } from '../lib/log-stream.ts';
import { useAsync } from '../lib/use-async.ts';
import { LogsOptions } from './LogsOptions.tsx';
import { changeOptions, containerChoices, DEFAULT_LOG_OPTIONS } from './log-options.ts';

const KEPT_LINES = 5000;

export function LogsTab({ app, resource }: { app: string; resource: ResourceRef }) {
  const [options, setOptions] = useState<LogOptions>(DEFAULT_LOG_OPTIONS);
  // Without the list (a slow or refused answer) the logs still show, for all containers.
  const pods = useAsync(() => api.logContainers(app, resource), [app, JSON.stringify(resource)]);
  const [lines, setLines] = useState<{ pod: string; container: string; line: string }[]>([]);
  const [notes, setNotes] = useState<string[]>([]);
  const [failure, setFailure] = useState<string>();
  const [ended, setEnded] = useState(false);
  const url = api.logsUrl(app, resource, options);

  useEffect(() => {
    const abort = new AbortController();
    setLines([]);
    setNotes([]);
    setFailure(undefined);
    setEnded(false);
    let pending: { pod: string; container: string; line: string }[] = [];
    // Lines arrive fast; render them in batches.
    const flush = setInterval(() => {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      setLines((current) => [...current, ...batch].slice(-KEPT_LINES));
    }, 200);
    const onEntry = (entry: LogEntry) => {
      if ('line' in entry) pending.push(entry);
      else if ('error' in entry) setNotes((n) => [...n, `${entry.pod}/${entry.container}: ${entry.error}`]);
      else setNotes((n) => [...n, entry.notice]);
    };
    readLogStream(url, abort.signal, onEntry)
      .then(() => setEnded(true))
      .catch((error: unknown) => {
        if (!abort.signal.aborted) setFailure(errorMessage(error));
      });
    return () => {
      abort.abort();
      clearInterval(flush);
    };
  }, [url]);

  const several = new Set(lines.map((l) => `${l.pod}/${l.container}`)).size > 1;
  return (
    <div className="logs">
      <LogsOptions
        options={options}
        containers={containerChoices(pods.data ?? [])}
        onChange={(change) => setOptions((current) => changeOptions(current, change))}
      />
      {failure && <p className="error-text">{failure}</p>}
      {notes.map((note) => (
        <p key={note} className="muted log-note">
          Logs not available: {note}
        </p>
      ))}
      {lines.length === 0 && !failure && notes.length === 0 && (
        <p className="muted">{ended ? 'No log lines.' : 'Waiting for log lines…'}</p>
      )}
      {lines.length > 0 && (
        <pre className="code log-lines">
          {lines.map((l, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: lines of a log; position is identity
            <span key={i}>
              {several ? <span className="muted">{`${l.pod}/${l.container} `}</span> : null}
              {l.line}
              {'\n'}
            </span>
          ))}
        </pre>
      )}
    </div>
  );
}

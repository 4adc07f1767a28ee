// The pipelines the user may see, kept current by GET /api/v1/stream/pipelines: the controller
// writes a pipeline's status (gates, the freight a stage runs, history) and the page shows it as
// the event arrives. While the stream is down a slow reload keeps the page from going stale, and
// each (re)connect lists again (whatever changed before it came with no event).
import { useEffect, useRef, useState } from 'react';
import { api } from '../api/client.ts';
import type { Pipeline, PipelineStreamEvent } from '../api/types.ts';
import { useAsync } from '../lib/use-async.ts';
import { applyPipelineEvents, listWithEventsSince } from './pipelines-reduce.ts';

/** How often the list is read again while the stream is down. */
const FALLBACK_RELOAD_MS = 30_000;
const RETRY_MS = 3000;

export function useLivePipelines() {
  const [tick, setTick] = useState(0);
  const [live, setLive] = useState(false);
  const [items, setItems] = useState<Pipeline[]>();
  // Events since the last list request was sent: laid over its answer, which may predate them.
  const since = useRef<PipelineStreamEvent[]>([]);
  const { data, error, reload } = useAsync(
    () => {
      since.current = [];
      return api.listPipelines();
    },
    [],
    tick,
  );
  useEffect(() => {
    if (data) setItems(listWithEventsSince(data, since.current));
  }, [data]);

  useEffect(() => {
    let source: EventSource | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const connect = () => {
      const current = new EventSource('/api/v1/stream/pipelines', { withCredentials: true });
      source = current;
      current.addEventListener('pipeline', (message: MessageEvent<string>) => {
        let event: PipelineStreamEvent;
        try {
          event = JSON.parse(message.data) as PipelineStreamEvent;
        } catch {
          return;
        }
        since.current.push(event);
        setItems((list) => (list ? applyPipelineEvents(list, [event]) : list));
      });
      // List again on each open: whatever changed before the stream was there (or while it was
      // down) came with no event.
      current.addEventListener('open', () => {
        setLive(true);
        setTick((t) => t + 1);
      });
      current.addEventListener('error', () => {
        setLive(false);
        if (current.readyState === EventSource.CLOSED && !stopped) {
          // The browser gives up on a non-stream answer (a restarting server); keep trying.
          clearTimeout(retry);
          retry = setTimeout(() => {
            if (!stopped && source === current) connect();
          }, RETRY_MS);
        }
      });
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(retry);
      source?.close();
    };
  }, []);

  useEffect(() => {
    if (live) return;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') setTick((t) => t + 1);
    }, FALLBACK_RELOAD_MS);
    return () => clearInterval(timer);
  }, [live]);

  return { data: items, error, reload, live };
}

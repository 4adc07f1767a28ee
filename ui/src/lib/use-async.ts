// Loads data for a component; keeps the last good value while reloading, so a refresh never
// blanks the screen, and drops answers that arrive after the inputs changed.
import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from '../api/client.ts';
import { LoadGate } from './load-gate.ts';

export interface AsyncState<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * `deps` say what is loaded: when they change, an answer still on its way is dropped. `refresh`
 * (a tick) only asks for the same thing again: a load in flight is not dropped for it (on a server
 * slower than the tick, every answer would be, and the data would never show), and a tick that
 * comes while one is in flight loads once more after it, never two at a time.
 */
export function useAsync<T>(load: () => Promise<T>, deps: DependencyList, refresh?: unknown): AsyncState<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const loadRef = useRef(load);
  loadRef.current = load;
  const again = useRef<() => void>(() => {});

  // The caller's deps decide when to load (spread: what is loaded, not a fixed list).
  useEffect(() => {
    const gate = new LoadGate(
      () => loadRef.current(),
      (value) => {
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (e) => {
        setError(errorMessage(e));
        setLoading(false);
      },
    );
    again.current = () => {
      setLoading(true);
      gate.request();
    };
    again.current();
    return () => gate.close();
  }, [...deps]);

  const first = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: refresh is the trigger itself
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    again.current();
  }, [refresh]);

  const reload = useCallback(() => again.current(), []);
  return { data, error, loading, reload };
}

/**
 * A counter that moves at most once per `intervalMs` after `signal` changes, and at least every
 * `pollMs`: reloads follow live updates without a request per streamed event.
 */
export function useThrottledTick(signal: unknown, intervalMs: number, pollMs: number): number {
  const [tick, setTick] = useState(0);
  const last = useRef(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: signal is the trigger itself
  useEffect(() => {
    if (last.current === 0) {
      last.current = Date.now();
      return;
    }
    const wait = Math.max(0, last.current + intervalMs - Date.now());
    const timer = setTimeout(() => {
      last.current = Date.now();
      setTick((t) => t + 1);
    }, wait);
    return () => clearTimeout(timer);
  }, [signal, intervalMs]);
  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState !== 'visible') return;
      last.current = Date.now();
      setTick((t) => t + 1);
    }, pollMs);
    return () => clearInterval(timer);
  }, [pollMs]);
  return tick;
}

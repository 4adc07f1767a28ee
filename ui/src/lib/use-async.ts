// Loads data for a component; keeps the last good value while reloading, so a refresh never
// blanks the screen, and drops answers that arrive after the inputs changed.
import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from '../api/client.ts';

export interface AsyncState<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => void;
}

export function useAsync<T>(load: () => Promise<T>, deps: DependencyList): AsyncState<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps decide when to load
  useEffect(() => {
    let current = true;
    setLoading(true);
    loadRef.current().then(
      (value) => {
        if (!current) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (e: unknown) => {
        if (!current) return;
        setError(errorMessage(e));
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
  }, [...deps, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
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

// Hash routing (#/applications/guestbook): works whatever path the server serves the UI from,
// and needs no server-side fallback to index.html.
import { useSyncExternalStore } from 'react';

export interface Route {
  /** Path segments, decoded: `#/applications/guestbook` → ['applications', 'guestbook']. */
  segments: string[];
  query: URLSearchParams;
}

function parse(hash: string): Route {
  const text = hash.replace(/^#/, '');
  const q = text.indexOf('?');
  const path = q < 0 ? text : text.slice(0, q);
  const segments = path
    .split('/')
    .filter(Boolean)
    .map((s) => decodeURIComponent(s));
  return { segments, query: new URLSearchParams(q < 0 ? '' : text.slice(q + 1)) };
}

let current = window.location.hash;
let route = parse(current);
const listeners = new Set<() => void>();

function onLocationChange(): void {
  if (window.location.hash === current) return;
  current = window.location.hash;
  route = parse(current);
  for (const listener of listeners) listener();
}

window.addEventListener('hashchange', onLocationChange);
window.addEventListener('popstate', onLocationChange);

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useRoute(): Route {
  return useSyncExternalStore(subscribe, () => route);
}

export function href(...segments: string[]): string {
  return `#/${segments.map(encodeURIComponent).join('/')}`;
}

/** Goes to `to` (a `#/…` href); `replace` keeps the history entry (used for filter changes). */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === window.location.hash) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  onLocationChange();
}

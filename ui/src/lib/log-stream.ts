// Reads the logs route's JSON lines as they arrive (fetch and a stream reader: EventSource cannot
// send the session's headers for a GET with a body-less 4xx), handing each entry to `onEntry`.
import { ApiError } from '../api/client.ts';
import type { LogEntry } from '../api/types.ts';

/** Splits text chunks into whole lines; keeps the unfinished tail for the next chunk (pure). */
export function splitLines(buffered: string, chunk: string): { lines: string[]; rest: string } {
  const text = buffered + chunk;
  const parts = text.split('\n');
  const rest = parts.pop() ?? '';
  return { lines: parts.filter((line) => line !== ''), rest };
}

export async function readLogStream(
  url: string,
  signal: AbortSignal,
  onEntry: (entry: LogEntry) => void,
): Promise<void> {
  const response = await fetch(url, {
    credentials: 'same-origin',
    headers: { accept: 'application/x-ndjson' },
    signal,
  });
  if (!response.ok || !response.body) {
    const text = await response.text();
    let message = `${response.status} ${response.statusText}`;
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? message;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(message, response.status);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let rest = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const split = splitLines(rest, value);
    rest = split.rest;
    for (const line of split.lines) onEntry(JSON.parse(line) as LogEntry);
  }
  if (rest.trim() !== '') onEntry(JSON.parse(rest) as LogEntry);
}

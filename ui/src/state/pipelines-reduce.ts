// The pipelines list under live updates: pure, so the order of a list answer and the stream's
// events can be tested without a browser.
import type { Pipeline, PipelineStreamEvent } from '../api/types.ts';

const byName = (a: Pipeline, b: Pipeline) => a.metadata.name.localeCompare(b.metadata.name);

/** The list after these events, in name order; the same array when nothing changed. */
export function applyPipelineEvents(list: Pipeline[], events: readonly PipelineStreamEvent[]): Pipeline[] {
  if (events.length === 0) return list;
  const next = new Map(list.map((p) => [p.metadata.name, p]));
  for (const { type, pipeline } of events) {
    if (type === 'DELETED') next.delete(pipeline.metadata.name);
    else next.set(pipeline.metadata.name, pipeline);
  }
  return [...next.values()].sort(byName);
}

/**
 * A list answer with the events that arrived since its request was sent laid on top: the answer
 * may have been read before them (an answer overtaken by an event would otherwise show the old
 * state until the next change). Events are in the order they happened, so the last one wins.
 */
export function listWithEventsSince(list: Pipeline[], since: readonly PipelineStreamEvent[]): Pipeline[] {
  return applyPipelineEvents([...list].sort(byName), since);
}

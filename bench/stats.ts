/** Small helpers shared by the benchmarks: medians, percentiles and a uniform report line. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

/** The middle value; for an even count the mean of the two middle ones (not the lower one). */
export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/**
 * What a figure is held to, and where that was decided (an issue or a docs page), so a run reads
 * as a report: the figure, or its ratio to the floor with `of: 'ratio'`, must stay under `max`
 * (or reach it, with `inclusive`).
 */
export interface Target {
  max: number;
  inclusive?: boolean;
  of?: 'value' | 'ratio';
  source: string;
}

/** "target < 200 ms (issue 4): met" — the verdict printed beside a figure. */
export function targetVerdict(
  value: number,
  unit: string,
  target: Target,
  floor?: { name: string; value: number },
): string {
  const ratio = target.of === 'ratio';
  if (ratio && !floor) throw new Error(`a ratio target (${target.source}) needs a floor`);
  const measured = ratio && floor ? value / floor.value : value;
  const met = target.inclusive ? measured <= target.max : measured < target.max;
  const bound = `${target.inclusive ? '≤' : '<'} ${target.max}${ratio ? '×' : ` ${unit}`}`;
  return `target ${bound} (${target.source}): ${met ? 'met' : 'NOT MET'}`;
}

/** The verdict of a target that is a property rather than a number ("the cap stops it"). */
export function checkVerdict(met: boolean, target: string, source: string): string {
  return `target: ${target} (${source}): ${met ? 'met' : 'NOT MET'}`;
}

/** Prints one figure with its floor and the ratio, the form every benchmark reports in. */
export function report(
  name: string,
  value: number,
  unit: string,
  floor?: { name: string; value: number },
  target?: Target,
): void {
  const ratio = floor
    ? `  ratio ${(value / floor.value).toFixed(2)}× vs ${floor.name} (${floor.value.toFixed(1)} ${unit})`
    : '';
  const verdict = target ? `  ${targetVerdict(value, unit, target, floor)}` : '';
  console.log(`${name.padEnd(48)} ${value.toFixed(1).padStart(10)} ${unit}${ratio}${verdict}`);
}

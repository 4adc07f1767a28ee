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

/** Prints one figure with its floor and the ratio, the form every benchmark reports in. */
export function report(
  name: string,
  value: number,
  unit: string,
  floor?: { name: string; value: number },
): void {
  const ratio = floor
    ? `  ratio ${(value / floor.value).toFixed(2)}× vs ${floor.name} (${floor.value.toFixed(1)} ${unit})`
    : '';
  console.log(`${name.padEnd(48)} ${value.toFixed(1).padStart(10)} ${unit}${ratio}`);
}

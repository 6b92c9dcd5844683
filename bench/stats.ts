// Summaries of repeated measurements.

/** Median, lowest and highest of repeated measurements, and how many there were. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
  values: number[];
}

/** The median and spread of `values`, rounded to `digits` decimals (empty input: zeros, n = 0). */
export function spread(values: readonly number[], digits = 1): Spread {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { median: 0, min: 0, max: 0, n: 0, values: [] };
  const mid = v.length >> 1;
  const median = v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return {
    median: round(median, digits),
    min: round(v[0]!, digits),
    max: round(v[v.length - 1]!, digits),
    n: v.length,
    values: [...values],
  };
}

/** Ratios a[i] / b[i] of measurements made in the same run, pair by pair. */
export function pairRatios(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (b[i]! > 0 && Number.isFinite(a[i]!)) out.push(round(a[i]! / b[i]!, 3));
  }
  return out;
}

/** Rounds to `digits` decimals (default 1). */
export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

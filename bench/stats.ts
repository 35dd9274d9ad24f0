// Summaries of samples (milliseconds unless said otherwise).
export interface Dist {
  n: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of an ascending array. */
function rank(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function dist(samples: number[]): Dist {
  const s = Float64Array.from(samples).sort();
  const a = Array.from(s);
  const mean = a.reduce((x, y) => x + y, 0) / (a.length || 1);
  return {
    n: a.length,
    mean: round(mean),
    p50: round(rank(a, 50)),
    p95: round(rank(a, 95)),
    p99: round(rank(a, 99)),
    max: round(a.at(-1) ?? NaN),
  };
}

export const round = (x: number, digits = 3) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);

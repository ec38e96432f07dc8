// Why this file exists: benches on a noisy shared machine report medians of several runs and
// latency percentiles; these helpers keep that arithmetic (and its rounding) in one place.

import * as hdr from 'hdr-histogram-js';

/** Median of a non-empty list (mean of the two middle values for even lengths). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function min(values: readonly number[]): number {
  return Math.min(...values);
}

export function max(values: readonly number[]): number {
  return Math.max(...values);
}

export interface LatencySummary {
  samples: number;
  latency_ns_p50: number;
  latency_ns_p90: number;
  latency_ns_p99: number;
  latency_ns_p999: number;
  latency_ns_max: number;
  latency_ns_mean: number;
}

/** Largest latency the histogram tracks (10 s); longer samples are clamped, never dropped. */
export const LATENCY_NS_TRACKABLE_MAX = 10_000_000_000;

/**
 * Percentiles of `samples_ns[0, count)` through an HDR histogram (3 significant digits, i.e.
 * values are exact to within 0.1%). Samples are recorded after timing, so recording costs nothing
 * inside the timed region.
 */
export function summarizeLatencies(samples_ns: Float64Array, count = samples_ns.length): LatencySummary {
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: LATENCY_NS_TRACKABLE_MAX,
    numberOfSignificantValueDigits: 3,
    autoResize: false,
  });
  let sum = 0;
  let maxValue = 0;
  for (let i = 0; i < count; i++) {
    const value = Math.min(Math.max(1, Math.round(samples_ns[i])), LATENCY_NS_TRACKABLE_MAX);
    histogram.recordValue(value);
    sum += samples_ns[i];
    if (samples_ns[i] > maxValue) maxValue = samples_ns[i];
  }
  const summary: LatencySummary = {
    samples: count,
    latency_ns_p50: histogram.getValueAtPercentile(50),
    latency_ns_p90: histogram.getValueAtPercentile(90),
    latency_ns_p99: histogram.getValueAtPercentile(99),
    latency_ns_p999: histogram.getValueAtPercentile(99.9),
    latency_ns_max: Math.round(maxValue),
    latency_ns_mean: count === 0 ? 0 : Math.round(sum / count),
  };
  histogram.destroy();
  return summary;
}

/** Element-wise median of several latency summaries (one per run). */
export function medianLatency(runs: readonly LatencySummary[]): LatencySummary {
  const pick = (key: keyof LatencySummary): number => median(runs.map((run) => run[key]));
  return {
    samples: pick('samples'),
    latency_ns_p50: pick('latency_ns_p50'),
    latency_ns_p90: pick('latency_ns_p90'),
    latency_ns_p99: pick('latency_ns_p99'),
    latency_ns_p999: pick('latency_ns_p999'),
    latency_ns_max: pick('latency_ns_max'),
    latency_ns_mean: pick('latency_ns_mean'),
  };
}

// --- formatting ----------------------------------------------------------------------------

/** 5234567 → "5.23 M", 91234 → "91.2 k". */
export function formatRate(per_s: number): string {
  if (!Number.isFinite(per_s)) return '—';
  if (per_s >= 1e6) return `${(per_s / 1e6).toFixed(2)} M`;
  if (per_s >= 1e3) return `${(per_s / 1e3).toFixed(1)} k`;
  return per_s.toFixed(0);
}

/** Nanoseconds as "850 ns" / "1.23 µs" / "4.5 ms". */
export function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return '—';
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e4) return `${(ns / 1e3).toFixed(1)} µs`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${Math.round(ns)} ns`;
}

export function formatInt(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '—';
}

export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(ratio >= 100 ? 0 : 1)}×` : '—';
}

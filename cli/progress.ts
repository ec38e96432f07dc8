// Why this file exists: replaying a large log takes seconds to minutes, and a silent terminal
// looks like a hang. A progress bar (cli-progress) is drawn on stderr — never stdout, so `--json`
// output stays parseable — only for work that has already run PROGRESS_DELAY_MS, only on a
// terminal, and it is cleared when the work ends.

import { SingleBar } from 'cli-progress';

/** Work shorter than this never shows a bar (the brief "work over a second"). */
export const PROGRESS_DELAY_MS = 1_000;

/** Where a bar may be drawn: a terminal stream (stderr), or null for none. */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean };

export interface Progress {
  /** `done` of `total` units finished; cheap enough to call once per batch. */
  update(done: number): void;
  stop(): void;
}

export const NO_PROGRESS: Progress = { update: () => undefined, stop: () => undefined };

/** A bar labelled `label` over `total` `unit`s, drawn on `stream` once the work has lasted delayMs. */
export function startProgress(
  stream: ProgressStream | null,
  label: string,
  total: number,
  unit: string,
  delayMs = PROGRESS_DELAY_MS,
): Progress {
  if (stream === null || stream.isTTY !== true || total <= 0) return NO_PROGRESS;
  const started = performance.now();
  let bar: SingleBar | null = null;
  return {
    update(done: number): void {
      if (bar === null) {
        if (performance.now() - started < delayMs) return;
        bar = new SingleBar({
          stream,
          format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | ETA {eta_formatted}`,
          clearOnComplete: true,
          hideCursor: false,
          etaBuffer: 50,
        });
        bar.start(total, 0);
      }
      bar.update(Math.min(done, total));
    },
    stop(): void {
      bar?.stop();
    },
  };
}

/**
 * The same log, reporting each batch that replay reads to `progress` (records past `fromSeq`).
 * Lets `recover` show progress through replay/recovery.ts without that module knowing about it.
 */
export function readsReported<L extends { readBatch(fromSeq: number, maxRecords: number): unknown[] }>(
  log: L,
  fromSeq: number,
  progress: Progress,
): L {
  return new Proxy(log, {
    get(target, key) {
      if (key !== 'readBatch') {
        const value: unknown = Reflect.get(target, key);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      }
      return (from: number, maxRecords: number): unknown[] => {
        progress.update(from - fromSeq);
        return target.readBatch(from, maxRecords);
      };
    },
  });
}

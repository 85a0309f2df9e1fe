import { monitorEventLoopDelay } from "node:perf_hooks";

/** Event-loop delay of this process over a phase, in ms (how late a timer ran). */
export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

const RESOLUTION_MS = 10;

/**
 * Starts measuring this process's event-loop delay; the returned function stops and reports it. The bench
 * hosts the fake Discord, so this bounds how late the fake may have stamped what it recorded.
 */
export function watchLoopDelay(): () => LoopDelay {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  return () => {
    histogram.disable();
    // The histogram holds the intervals between ticks of a RESOLUTION_MS timer; the delay is the excess.
    const ms = (ns: number) => Math.max(0, Math.round((ns / 1e6 - RESOLUTION_MS) * 10) / 10);
    return { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) };
  };
}

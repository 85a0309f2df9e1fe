import { readFile } from "node:fs/promises";

/** A process's resident memory as Linux reports it, in MiB. */
export interface ProcMemory {
  /** Peak resident set size so far (VmHWM). */
  peakRssMiB: number;
  /** Resident set size now (VmRSS). */
  rssMiB: number;
}

/** Reads VmHWM and VmRSS from `/proc/<pid>/status`; null where the process is gone or /proc is absent. */
export async function readProcMemory(pid: number): Promise<ProcMemory | null> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => null);
  if (status === null) return null;
  const kib = (field: string): number | null => {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status);
    return match?.[1] === undefined ? null : Number(match[1]);
  };
  const peak = kib("VmHWM");
  const rss = kib("VmRSS");
  if (peak === null || rss === null) return null;
  const mib = (x: number) => Math.round((x / 1024) * 10) / 10;
  return { peakRssMiB: mib(peak), rssMiB: mib(rss) };
}

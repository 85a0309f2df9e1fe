import type { DownloadProgress } from "../../workers/engine/resolve-model.js";
import { LiveArea } from "./live-area.js";

/** Shows model downloads on standard error; `print` writes a log line without breaking the display. */
export interface DownloadDisplay {
  /** How often a model's progress is worth reporting. */
  readonly intervalMs: number;
  /** A line shown until the first progress arrives (on a terminal only). */
  status(text: string): void;
  update(role: string, progress: DownloadProgress): void;
  print(text: string): void;
  /** Ends the display: bars stay as they last were. */
  close(): void;
}

const BAR = 24;

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function fileName(spec: string): string {
  return spec.split(/[/\\]/).pop() ?? spec;
}

function percentOf(p: DownloadProgress): number | null {
  return p.totalBytes > 0 ? Math.min(100, Math.floor((100 * p.downloadedBytes) / p.totalBytes)) : null;
}

/** A bar per model, redrawn in place. */
function barLine(role: string, p: DownloadProgress): string {
  const percent = percentOf(p);
  const filled = percent === null ? 0 : Math.round((BAR * percent) / 100);
  const bar = `[${"█".repeat(filled)}${"░".repeat(BAR - filled)}]`;
  const amount =
    p.totalBytes > 0 ? `${megabytes(p.downloadedBytes)} / ${megabytes(p.totalBytes)}` : megabytes(p.downloadedBytes);
  return `downloading ${role.padEnd(8)} ${bar} ${percent === null ? "  ?" : String(percent).padStart(3)}%  ${amount}  ${fileName(p.spec)}`;
}

/**
 * Download progress for a person: on a terminal, a bar per model redrawn in place; elsewhere (a log file, CI), a
 * plain line per model every few seconds and one when it completes.
 */
export function downloadDisplay(stream: NodeJS.WriteStream): DownloadDisplay {
  if (stream.isTTY !== true) {
    return {
      intervalMs: 5_000,
      update: (role, p) => {
        const percent = percentOf(p);
        const amount =
          p.totalBytes > 0
            ? `${megabytes(p.downloadedBytes)} of ${megabytes(p.totalBytes)}`
            : megabytes(p.downloadedBytes);
        stream.write(`downloading the ${role} model ${p.spec}: ${percent === null ? "" : `${percent}% `}(${amount})\n`);
      },
      status: () => {},
      print: (text) => void stream.write(text.endsWith("\n") ? text : `${text}\n`),
      close: () => {},
    };
  }
  const area = new LiveArea(stream);
  const bars = new Map<string, string>();
  return {
    intervalMs: 100,
    status: (text) => {
      if (bars.size === 0) area.set([text]);
    },
    update: (role, p) => {
      bars.set(role, barLine(role, p));
      area.set([...bars.values()]);
    },
    print: (text) => area.print(text),
    close: () => area.close(bars.size > 0 ? [...bars.values()].join("\n") + "\n" : ""),
  };
}

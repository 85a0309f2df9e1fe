import { createHash } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { lock } from "proper-lockfile";

export interface DownloadLockOptions {
  /**
   * A lock whose holder has not refreshed it for this long is taken to be left by a dead process and is taken
   * over. The holder refreshes it every half of this. Defaults to 30 000 ms (at least 2 000).
   */
  staleMs?: number;
  /** How often a waiting process tries again. Defaults to 500 ms. */
  pollMs?: number;
  /** Called once, when the lock is held by another process (or another call in this one). */
  onWait?: () => void;
  /** Called if the lock is lost while held (its refresh failed, or another process took it as stale). */
  onCompromised?: (error: Error) => void;
  signal?: AbortSignal | undefined;
}

/**
 * Runs `task` while holding an inter-process lock on `key` in `directory`: a lock directory that works on local
 * and network file systems and across machines sharing one volume (proper-lockfile: mkdir is atomic, and the
 * holder keeps its mtime fresh, so the lock of a process that died is taken over once stale).
 */
export async function withDownloadLock<T>(
  directory: string,
  key: string,
  options: DownloadLockOptions,
  task: () => Promise<T>,
): Promise<T> {
  await mkdir(directory, { recursive: true });
  const path = join(directory, lockName(key));
  const staleMs = Math.max(options.staleMs ?? 30_000, 2_000);
  let waiting = false;
  for (;;) {
    options.signal?.throwIfAborted();
    let release: () => Promise<void>;
    try {
      release = await lock(path, {
        realpath: false,
        lockfilePath: path,
        stale: staleMs,
        retries: 0,
        onCompromised: (error) => options.onCompromised?.(error),
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ELOCKED") throw error;
      if (!waiting) options.onWait?.();
      waiting = true;
      await delay(options.pollMs ?? 500, undefined, options.signal ? { signal: options.signal } : {});
      continue;
    }
    try {
      return await task();
    } finally {
      await release().catch(() => undefined);
    }
  }
}

/** `.download-<readable tail of the spec>-<hash>.lock`: one lock per model spec, hidden beside the models. */
function lockName(key: string): string {
  const readable = key
    .replace(/[^\w.-]+/g, "_")
    .slice(-60)
    .replace(/^[._]+/, "");
  const hash = createHash("sha256").update(key).digest("hex").slice(0, 12);
  return `.download-${readable}-${hash}.lock`;
}

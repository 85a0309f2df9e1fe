import type { EventEmitter } from "node:events";

/** Options of {@link FakeDiscord.waitFor}. */
export interface WaitForOptions {
  /** Default 5000 ms. */
  timeoutMs?: number | undefined;
  /** Shown in the timeout error. */
  description?: string | undefined;
}

type Truthy<T> = Exclude<T, false | 0 | "" | null | undefined>;

/**
 * Re-checks after the last change, for effects the bot applies some time after receiving an event
 * (e.g. discord.js updating its cache after a dispatch). Bounded: no polling once things settle.
 */
const TRAILING_RECHECKS_MS = [10, 50, 200] as const;

/**
 * Resolves with the first truthy value of `fn`, re-evaluated whenever the fake's state changes
 * (requests, responses, gateway frames, fixture changes) and a few times shortly after the start
 * and after each burst of changes (10/50/200 ms), so predicates over the bot's own state work too.
 * A throwing `fn` counts as falsy. Rejects after `timeoutMs` with a helpful message.
 */
export function waitFor<T>(
  emitter: EventEmitter,
  fn: () => T,
  options: WaitForOptions,
  context: () => string,
): Promise<Truthy<T>> {
  const timeoutMs = options.timeoutMs ?? 5000;
  return new Promise<Truthy<T>>((resolve, reject) => {
    let lastError: unknown;
    let done = false;
    let immediate: NodeJS.Immediate | null = null;
    let trailing: NodeJS.Timeout[] = [];
    const cleanup = (): void => {
      done = true;
      emitter.off("change", onChange);
      clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
      trailing.forEach(clearTimeout);
    };
    const check = (): void => {
      if (done) return;
      try {
        const value = fn();
        if (value) {
          cleanup();
          resolve(value as Truthy<T>);
        }
      } catch (error) {
        lastError = error;
      }
    };
    const onChange = (): void => {
      immediate ??= setImmediate(() => {
        immediate = null;
        check();
      });
      trailing.forEach(clearTimeout);
      trailing = TRAILING_RECHECKS_MS.map((ms) => setTimeout(check, ms));
    };
    const timer = setTimeout(() => {
      cleanup();
      const what = options.description ?? fn.toString();
      const err = lastError instanceof Error ? `\nlast error from predicate: ${lastError.message}` : "";
      reject(new Error(`fake discord: waitFor timed out after ${timeoutMs} ms: ${what}${err}\n${context()}`));
    }, timeoutMs);
    emitter.on("change", onChange);
    check();
    if (!done) onChange();
  });
}

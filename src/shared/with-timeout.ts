/** What {@link withTimeout} rejects with when the work takes too long. */
export class TimeoutError extends Error {
  override name = "TimeoutError";
}

/** Resolves or rejects as `work` does, or rejects with a {@link TimeoutError} after `ms` (the work goes on unobserved). */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what}: no answer in ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Which stop signal arrived (null: none yet), and the exit code it calls for. */
export interface StopSignals {
  signal: NodeJS.Signals | null;
  code: number;
  /** Rejects when the first SIGINT or SIGTERM arrives; race the work against it. */
  interrupted: Promise<never>;
}

/**
 * Turns the first SIGINT (exit code 130) or SIGTERM (143) into a rejection, so the run can stop and clean
 * up; a second signal exits at once (`process.on("exit")` handlers still run). Calls `onStop` once.
 */
export function watchStopSignals(onStop: (signal: NodeJS.Signals) => void): StopSignals {
  let rejectInterrupted: (error: Error) => void = () => {};
  const interrupted = new Promise<never>((_, reject) => {
    rejectInterrupted = reject;
  });
  interrupted.catch(() => {}); // the caller's race handles it
  const state: StopSignals = { signal: null, code: 0, interrupted };
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    process.on(signal, () => {
      if (state.signal) process.exit(code);
      state.signal = signal;
      state.code = code;
      onStop(signal);
      rejectInterrupted(new Error(signal));
    });
  }
  return state;
}

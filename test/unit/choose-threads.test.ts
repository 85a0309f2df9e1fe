import { describe, expect, it } from "vitest";
import { chooseThreads } from "../../workers/engine/choose-threads.js";

/** Threads busy at once when `contexts` contexts decode together: node-llama-cpp keeps their sum within `total`. */
const busyAtOnce = (choice: { perContext: number; total: number }, contexts: number) =>
  Math.min(choice.total, choice.perContext * contexts);

describe("chooseThreads", () => {
  const machines = [1, 2, 4, 16];

  it.each(machines)(
    "never has more threads busy than the %i real cores, with two contexts decoding at once",
    (cores) => {
      for (const gpu of [false, true]) {
        const choice = chooseThreads({ cores, contexts: 2, gpu });
        expect(busyAtOnce(choice, 2)).toBeLessThanOrEqual(cores);
        expect(choice.total).toBeLessThanOrEqual(cores);
        expect(choice.perContext).toBeGreaterThanOrEqual(1);
      }
    },
  );

  it("shares the cores out between the contexts on a CPU", () => {
    expect(chooseThreads({ cores: 2, contexts: 2, gpu: false })).toEqual({ perContext: 1, total: 2 });
    expect(chooseThreads({ cores: 4, contexts: 2, gpu: false })).toEqual({ perContext: 2, total: 4 });
    expect(chooseThreads({ cores: 16, contexts: 2, gpu: false })).toEqual({ perContext: 8, total: 16 });
    // One core: one thread each, and the total of one makes the two contexts take turns.
    expect(chooseThreads({ cores: 1, contexts: 2, gpu: false })).toEqual({ perContext: 1, total: 1 });
  });

  it("takes few threads when every layer is on the GPU", () => {
    expect(chooseThreads({ cores: 16, contexts: 2, gpu: true })).toEqual({ perContext: 2, total: 16 });
    expect(chooseThreads({ cores: 2, contexts: 2, gpu: true })).toEqual({ perContext: 1, total: 2 });
  });

  it("counts whole cores only", () => {
    expect(chooseThreads({ cores: 3.7, contexts: 2, gpu: false })).toEqual({ perContext: 1, total: 3 });
    expect(chooseThreads({ cores: 0, contexts: 2, gpu: false })).toEqual({ perContext: 1, total: 1 });
  });

  it("lets LLAMA_THREADS set the threads per context, and every context have them at once", () => {
    expect(chooseThreads({ cores: 2, contexts: 2, gpu: false, override: 4 })).toEqual({ perContext: 4, total: 8 });
    expect(chooseThreads({ cores: 16, contexts: 2, gpu: true, override: 1 })).toEqual({ perContext: 1, total: 2 });
  });
});

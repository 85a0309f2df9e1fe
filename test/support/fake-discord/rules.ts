import type { FakeState } from "./state.js";
import type { ErrorRecord } from "./types.js";

/** An error response a test provokes on purpose. */
export interface ExpectedError {
  status?: number;
  code?: number;
  /** Matched against the request's path. */
  path?: RegExp;
  /** How many such responses the test may cause (default 1; "any" for as many as happen). */
  times?: number | "any";
}

/**
 * Discord's rules held against the bot after every end-to-end test: no request answered 4xx (or 5xx) unless
 * the test expects it, no unsafe mention, and the rate-limit hits counted against what the test allows
 * (none unless it says so). Injected faults are expected by construction.
 */
export class DiscordRules {
  private errorsSeen = 0;
  private hitsSeen = 0;
  private mentionsSeen = 0;
  private expected: { spec: ExpectedError; left: number }[] = [];
  private allowedHits = 0;

  constructor(private readonly state: FakeState) {}

  /** This test causes these error responses on purpose. */
  expectError(...specs: ExpectedError[]): void {
    for (const spec of specs) {
      this.expected.push({ spec, left: spec.times === "any" ? Infinity : (spec.times ?? 1) });
    }
  }

  /** This test may meet up to `count` rate limits (429s) that it did not inject itself. */
  allowRateLimits(count: number): void {
    this.allowedHits = count;
  }

  /** What broke the rules since the last check, in words (empty when nothing did); then starts afresh. */
  check(): string[] {
    const problems: string[] = [];
    for (const error of this.state.errors.slice(this.errorsSeen)) {
      if (error.injected || this.consume(error)) continue;
      problems.push(`${error.method} ${error.path} answered ${error.status} ${error.code}: ${error.message}`);
    }
    for (const mention of this.state.unsafeMentions.slice(this.mentionsSeen)) {
      problems.push(`unsafe mention: ${JSON.stringify(mention)}`);
    }
    const hits = this.state.rateLimitHits.slice(this.hitsSeen).filter((hit) => hit.bucket !== "injected");
    if (hits.length > this.allowedHits) {
      problems.push(
        `${hits.length} rate-limited requests (allowed ${this.allowedHits}): ${hits
          .slice(0, 5)
          .map((h) => `${h.method} ${h.path}`)
          .join(", ")}`,
      );
    }
    this.errorsSeen = this.state.errors.length;
    this.mentionsSeen = this.state.unsafeMentions.length;
    this.hitsSeen = this.state.rateLimitHits.length;
    this.expected = [];
    this.allowedHits = 0;
    return problems;
  }

  private consume(error: ErrorRecord): boolean {
    const match = this.expected.find(
      ({ spec, left }) =>
        left > 0 &&
        (spec.status === undefined || spec.status === error.status) &&
        (spec.code === undefined || spec.code === error.code) &&
        (spec.path === undefined || spec.path.test(error.path)),
    );
    if (!match) return false;
    match.left -= 1;
    return true;
  }
}

/** Every fake started in this test file and not yet checked after it closed. */
export const liveFakes = new Set<{ rules: DiscordRules; closed: boolean }>();

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTestModels } from "../support/tiny-models.js";
import { runCli } from "../support/run-cli.js";

let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bvi-tour-"));
  const models = await writeTestModels(dir);
  env = {
    BASE_MODEL: models.base,
    INSTRUCT_MODEL: models.instruct,
    MODELS_DIR: dir,
    LLAMA_THREADS: "1",
    MAX_NEW_TOKENS: "16",
    SYSTEM_PROMPT: "Be brief.",
  };
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A row of the tour's table as a reader takes it in: the claim, what happened, the verdict (wrapped cells joined). */
interface Row {
  step: string;
  claim: string;
  saw: string;
  holds: string;
}

function rows(stdout: string): Row[] {
  const out: Row[] = [];
  let step = "";
  for (const line of stdout.split("\n")) {
    if (!line.includes(" │")) {
      if (line.startsWith("/")) step = line;
      continue;
    }
    const [claim = "", saw = "", holds = ""] = line.split(" │").map((cell) => cell.trim());
    if (claim === "claim" && holds === "holds") continue;
    const last = out.at(-1);
    if (holds === "" && last) {
      last.claim = `${last.claim} ${claim}`.trim();
      last.saw = `${last.saw} ${saw}`.trim();
    } else {
      out.push({ step, claim, saw, holds });
    }
  }
  return out;
}

function row(table: Row[], claim: string): Row {
  const found = table.find((r) => r.claim.startsWith(claim));
  if (!found) throw new Error(`no row for ${JSON.stringify(claim)} in ${JSON.stringify(table, null, 1)}`);
  return found;
}

// Each test runs the CLI as its own process (start-up, model load): slower than the suite's default allows on a loaded machine.
describe("npm run tour (the real CLI on the generated tiny models)", { timeout: 120_000 }, () => {
  it("with the tests' claims table for the tiny models: every claim holds, the table says what happened, exit status 0", async () => {
    const run = await runCli("tour", ["--claims", "test/support/tour-claims.ts"], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("on base tiny-base and instruct tiny-instruct (cpu)");
    expect(run.stdout).toContain(
      "“Typically” claims: seeds 1 to 3 at temperature 0.7; one holds when at least 2 of 3 seeds hold.",
    );
    const table = rows(run.stdout);
    expect(table).toHaveLength(12);
    expect(table.every((r) => r.holds.startsWith("yes"))).toBe(true);

    const base = row(table, "The base model continues the text and runs to the token limit");
    expect(base.step).toBe("/compare prompt:What is the capital of France?");
    expect(base.saw).toContain("stopped: token limit (16)");
    const instruct = row(table, "The instruct model answers and ends its turn");
    expect(instruct.saw).toContain("stopped: end of turn");
    expect(instruct.saw).toContain("“The capital of France is Paris.”");
    const general = row(table, "typically: The base model never ends its turn");
    expect(general.holds).toBe("yes (3 of 3)");
    expect(general.saw).toContain("held on 3 of 3 seeds (temperature 0.7)");
    expect(row(table, "The few-shot answer stops at the next “Q:”").saw).toContain("stopped: stop sequence");
    expect(row(table, "The base model writes the user's next line itself").saw).toContain("invented a speaker, User:");
    // A drawn first word: the claim holds on most seeds, not all, and the count says so.
    const drawn = row(table, "typically: The base model typically starts with its likeliest next word");
    expect(drawn.holds).toBe("yes (2 of 3)");
    expect(drawn.saw).toContain("held on 2 of 3 seeds (temperature 0.7)");
    expect(run.stdout).toContain("All 12 claims hold.");
  });

  it("with the README's claims (for real pairs) on the tiny models: the claims they do not bear out say NO and why, exit status 1", async () => {
    const run = await runCli("tour", [], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("Claims of the README's “What to try”");
    const table = rows(run.stdout);

    // What the tiny models do as the README says.
    expect(row(table, "The instruct model answers (Paris) and ends its turn").holds).toBe("yes");
    expect(row(table, "The base model does not answer: it runs to the token limit").holds).toBe("yes");
    expect(row(table, "The few-shot answer stops at the next “Q:”").holds).toBe("yes");

    // What they do not: the tiny instruct model, raw, answers " OK" and ends its turn on every seed.
    const rambles = row(table, "typically: The instruct model without its template often rambles too");
    expect(rambles.holds).toBe("NO (0 of 5)");
    expect(rambles.saw).toContain("held on 0 of 5 seeds (temperature 0.7); seed 1: stopped: end of turn");
    // The tiny base model repeats one sentence: no new question, no new speaker.
    expect(
      row(table, "typically: The base model continues the document, typically with more quiz questions").holds,
    ).toBe("NO (0 of 5)");
    // After "Assistant:" it writes " Paris.\nQ:": a speaker, but not the user.
    const speaker = row(table, "The base model plays the assistant for a line");
    expect(speaker.holds).toBe("NO");
    expect(speaker.saw).toContain("invented a speaker, Q: (not User:)");

    expect(table.filter((r) => r.holds.startsWith("NO"))).toHaveLength(3);
    expect(run.stdout).toContain(`3 of ${table.length} claims do not hold.`);
  });

  it("a claims file in JSON: its claims are checked; one that does not hold makes the exit status 1", async () => {
    const file = join(dir, "claims.json");
    await writeFile(
      file,
      JSON.stringify({
        name: "a JSON table",
        steps: [
          {
            command: "/ask prompt:Hello",
            kind: "ask",
            prompt: "Hello",
            claims: [
              { claim: "The instruct model ends its turn", side: "instruct", expect: { endsTurn: true } },
              { claim: "The instruct model runs to the token limit", side: "instruct", expect: { stop: "tokenLimit" } },
            ],
          },
        ],
      }),
    );
    const run = await runCli("tour", ["--claims", file], env);
    expect(run.code).toBe(1);
    const table = rows(run.stdout);
    expect(table.map((r) => [r.claim, r.holds])).toEqual([
      ["The instruct model ends its turn", "yes"],
      ["The instruct model runs to the token limit", "NO"],
    ]);
    expect(table[1]?.saw).toContain("stopped: end of turn");
    expect(run.stdout).toContain("1 of 2 claims do not hold.");
  });

  it("a claims table that cannot be read or is not valid: exit status 2 naming what is wrong", async () => {
    const invalid = join(dir, "invalid.json");
    await writeFile(
      invalid,
      JSON.stringify({
        name: "wrong",
        steps: [
          {
            command: "/compare prompt:Hi",
            kind: "compare",
            prompt: "Hi",
            claims: [{ claim: "The matrix side", side: "baseChat", expect: {} }],
          },
        ],
      }),
    );
    const [bad, missing, badTokens] = await Promise.all([
      runCli("tour", ["--claims", invalid], env),
      runCli("tour", ["--claims", join(dir, "nowhere.json")], env),
      runCli("tour", ["--max-tokens", "17"], env),
    ]);
    expect([bad.code, missing.code, badTokens.code]).toEqual([2, 2, 2]);
    expect(bad.stderr).toContain("is not a valid claims table");
    expect(bad.stderr).toContain("steps.0.claims.0.expect: an expectation needs at least one field");
    expect(bad.stderr).toContain("steps.0.claims.0.side: this step shows base, instruct, not baseChat");
    expect(missing.stderr).toContain("--claims: cannot read");
    expect(badTokens.stderr).toContain("--max-tokens must be a whole number from 1 to 16");
  });
});

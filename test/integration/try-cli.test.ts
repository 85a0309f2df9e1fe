import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import { mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BASE_PATHS,
  expectedText,
  INSTRUCT_ANSWER,
  INSTRUCT_ANSWER_TOKENS,
  INSTRUCT_RAW_ANSWER,
  writeTestModels,
} from "../support/tiny-models.js";
import { cliEnv, REPO_ROOT, runCli, runCommand } from "../support/run-cli.js";

const PROMPT = BASE_PATHS.question.prompt;
const SYSTEM_PROMPT = "Be brief.";
const TITLES = {
  base: "Base model · tiny-base",
  baseChat: "Base model + chat template · tiny-base",
  instructRaw: "Instruct model, raw · tiny-instruct",
  instruct: "Instruct model · tiny-instruct",
};

let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "bvi-try-"));
  const models = await writeTestModels(dir);
  env = {
    BASE_MODEL: models.base,
    INSTRUCT_MODEL: models.instruct,
    MODELS_DIR: dir,
    // One thread keeps the tiny models fast (see TINY_CONTEXT_OPTIONS).
    LLAMA_THREADS: "1",
    MAX_NEW_TOKENS: "24",
    SYSTEM_PROMPT,
  };
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The text of one column of side-by-side output, its wrapped lines joined again. */
function column(lines: readonly string[], index: 0 | 1): string {
  return lines
    .filter((line) => line.includes(" │"))
    .map((line) => (line.split(" │")[index] ?? "").trim())
    .join(" ");
}

/** One side's part of the output: from its title line to the next side's title. */
function section(stdout: string, side: keyof typeof TITLES): string {
  const start = stdout.indexOf(`\n${TITLES[side]}`);
  if (start < 0) throw new Error(`no ${side} side in:\n${stdout}`);
  const ends = Object.values(TITLES)
    .map((title) => stdout.indexOf(`\n${title}`, start + 1))
    .filter((i) => i > start);
  return stdout.slice(start + 1, ends.length > 0 ? Math.min(...ends) : undefined);
}

// Each test runs the CLI as its own process (start-up, model load): slower than the suite's default allows on a loaded machine.
describe("npm run try (the real CLI on the generated tiny models)", { timeout: 120_000 }, () => {
  it("streams the base and the instruct side one after the other when the output is not a terminal, with stats, stop reasons in words and next tokens", async () => {
    const run = await runCli("try", ["--temperature", "0", "--seed", "7", "--max-tokens", "12", PROMPT], env);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const { stdout } = run;
    expect(stdout).toContain(`Base vs instruct: “${PROMPT}”`);
    expect(stdout).toMatch(
      /base tiny-base · instruct tiny-instruct · cpu · temperature 0 · seed 7 · at most 12 tokens/,
    );
    expect(stdout.indexOf(TITLES.base)).toBeLessThan(stdout.indexOf(TITLES.instruct));

    const base = section(stdout, "base");
    expect(base).toContain("raw continuation, no template");
    expect(base).toContain(`\n${expectedText(BASE_PATHS.question, 12)}\n`);
    expect(base).toMatch(/12 tokens · [\d.]+ tok\/s · first token \d+ ms · stopped: token limit \(12\)/);
    expect(base).toContain(
      "💡 It ran into the 12-token limit: a base model has no idea of a turn, so it would have kept going.",
    );
    expect(base).toContain("expected next, right after the prompt: ␣Paris 100%");

    const instruct = section(stdout, "instruct");
    expect(instruct).toContain("chat template + system prompt");
    expect(instruct).toContain(`\n${INSTRUCT_ANSWER}\n`);
    expect(instruct).toMatch(
      new RegExp(
        `${INSTRUCT_ANSWER_TOKENS.length} tokens · [\\d.]+ tok/s · first token \\d+ ms · stopped: end of turn`,
      ),
    );
    expect(instruct).toContain(
      "💡 It ended its turn: it wrote its end-of-turn token `<|im_end|>`, which it learned in instruction tuning.",
    );
    expect(instruct).toContain("expected next, right after the chat template: The 100%");
  });

  it("--matrix --prompts: the four sides in the bot's order, each with the exact input it saw, special tokens written out", async () => {
    const run = await runCli("try", ["--matrix", "--prompts", "--temperature", "0", "--max-tokens", "8", PROMPT], env);
    expect(run.code).toBe(0);
    const { stdout } = run;
    expect(stdout).toContain(`Base vs instruct, with and without the chat template: “${PROMPT}”`);
    const order = (["base", "baseChat", "instructRaw", "instruct"] as const).map((side) =>
      stdout.indexOf(`\n${TITLES[side]}`),
    );
    expect(order.every((at, i) => at > 0 && (i === 0 || at > (order[i - 1] ?? 0)))).toBe(true);

    const base = section(stdout, "base");
    expect(base).toContain("exact input: ");
    expect(base).toContain("raw text: no template, no system prompt · special tokens: <s> ×1");
    expect(base).toContain(`│ <s>${PROMPT}\n`);

    const baseChat = section(stdout, "baseChat");
    // The base model inside the template does not answer: it runs on, as from any other text.
    expect(baseChat).toContain(`\n${expectedText(BASE_PATHS.other, 8)}\n`);
    expect(baseChat).toContain("stopped: token limit (8)");
    expect(baseChat).toContain("through the chat template (ChatML), system prompt included");
    expect(baseChat).toContain(`│ ${SYSTEM_PROMPT}<|im_end|>`);

    const instructRaw = section(stdout, "instructRaw");
    expect(instructRaw).toContain(`\n${INSTRUCT_RAW_ANSWER}\n`);
    expect(instructRaw).toContain("stopped: end of turn");
    expect(instructRaw).toContain(`│ <s>${PROMPT}\n`);

    const instruct = section(stdout, "instruct");
    expect(instruct).toContain(`\n${INSTRUCT_ANSWER}\n`);
    expect(instruct).toContain("special tokens: <s> ×1, <|im_start|> ×3, <|im_end|> ×2");
    expect(instruct).toContain(
      [
        "│ <s><|im_start|>system",
        `│ ${SYSTEM_PROMPT}<|im_end|>`,
        "│ <|im_start|>user",
        `│ ${PROMPT}<|im_end|>`,
        "│ <|im_start|>assistant",
      ].join("\n"),
    );
  });

  it("--fewshot: the base side answers inside the Q:/A: scaffold and stops at the next Q:, said in words", async () => {
    const run = await runCli("try", ["--fewshot", "--temperature", "0", PROMPT], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("raw sides: the prompt inside a Q:/A: few-shot scaffold, stopped at the next “Q:”");
    const base = section(run.stdout, "base");
    expect(base).toContain(`\n${BASE_PATHS.fewShot.cycle[0]}\n`);
    expect(base).toContain("stopped: stop sequence");
    expect(base).toContain("💡 It reached the stop sequence `\\nQ:`, where the bot cut it off");
    expect(section(run.stdout, "instruct")).toContain(`\n${INSTRUCT_ANSWER}\n`);
  });

  it("--layout columns: the two sides side by side, written once at the end when the output is not a terminal", async () => {
    const run = await runCli("try", ["--layout", "columns", "--temperature", "0", "--max-tokens", "12", PROMPT], env);
    expect(run.code).toBe(0);
    const lines = run.stdout.split("\n");
    const titles = lines.find((line) => line.includes(TITLES.base));
    expect(titles).toMatch(/^Base model · tiny-base · .* │ Instruct model · tiny-instruct/);
    // The texts start on the same line, side by side.
    expect(lines.some((line) => /^ Paris is the capital of .* │ The capital of France is Paris\.$/.test(line))).toBe(
      true,
    );
    expect(column(lines, 0)).toContain(expectedText(BASE_PATHS.question, 12).trim());
    expect(column(lines, 0)).toMatch(/12 tokens · .* · stopped: token limit \(12\) 💡 It ran into the 12-token limit/);
    expect(column(lines, 1)).toMatch(/stopped: end of turn 💡 It ended its turn/);
    expect(column(lines, 1)).toContain("expected next, right after the chat template: The 100%");
    expect(lines.every((line) => line.length <= 120)).toBe(true);
  });

  const hasScript = spawnSync("script", ["--version"]).status === 0;
  it.skipIf(!hasScript)(
    "on a wide terminal: streams the sides into two columns, redrawn in place, then leaves them in full",
    async () => {
      const command = [
        process.execPath,
        "--import",
        "tsx",
        "src/cli/try.ts",
        "--temperature",
        "0",
        "--max-tokens",
        "12",
      ]
        .map((part) => `'${part}'`)
        .join(" ");
      // util-linux `script` runs the CLI on a pseudo-terminal of 140 x 40.
      const run = await runCommand(
        "script",
        ["-qec", `stty cols 140 rows 40; exec ${command} '${PROMPT}'`, "/dev/null"],
        {
          env: cliEnv({ ...env, TERM: "xterm-256color" }),
        },
      );
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("generating…");
      // The final frame: what follows the last erase of the live area.
      const final = run.stdout
        .slice(run.stdout.lastIndexOf("\x1b[J"))
        // eslint-disable-next-line no-control-regex
        .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "")
        .replace(/\r/g, "");
      const lines = final.split("\n");
      expect(
        lines.some((line) => line.includes(TITLES.base) && line.includes(TITLES.instruct)),
        final,
      ).toBe(true);
      // On a terminal a raw side shows the prompt (in bold) before where the model took over.
      expect(
        lines.some(
          (line) => line.startsWith(`${PROMPT} Paris is`) && line.endsWith("│ The capital of France is Paris."),
        ),
        final,
      ).toBe(true);
      expect(column(lines, 0)).toMatch(/stopped: token limit \(12\) 💡 It ran into the 12-token limit/);
      expect(column(lines, 1)).toMatch(/stopped: end of turn 💡 It ended its turn/);
    },
  );

  it("bad arguments or configuration: exit status 2 and a message saying what is wrong, before any model loads", async () => {
    const runs = await Promise.all([
      runCli("try", ["--temperature", "3", PROMPT], env),
      runCli("try", ["--max-tokens", "100", PROMPT], env),
      runCli("try", ["--seed", "1.5", PROMPT], env),
      runCli("try", [], env),
      runCli("try", ["--bogus", PROMPT], env),
      runCli("try", [PROMPT], { ...env, MAX_NEW_TOKENS: "0" }),
    ]);
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2, 2, 2, 2]);
    const [temperature, maxTokens, seed, noPrompt, bogus, config] = runs.map((r) => r.stderr);
    expect(temperature).toContain("temperature must be between 0 and 2");
    expect(maxTokens).toContain("--max-tokens must be a whole number from 1 to 24");
    expect(seed).toContain("seed must be a whole number from 0 to 4294967295");
    expect(noPrompt).toContain("Give a prompt.");
    expect(noPrompt).toContain("Usage: npm run try");
    expect(bogus).toContain("Unknown option '--bogus'");
    expect(config).toContain("MAX_NEW_TOKENS: expected at least 1");
    expect(runs.every((r) => r.stdout === "")).toBe(true);
  });

  it("a model file that is not there: exit status 1 and the path in the message", async () => {
    const missing = join(dir, "missing.gguf");
    const run = await runCli("try", [PROMPT], { ...env, BASE_MODEL: missing });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(missing);
  });

  it("the bvi-try command (package.json bin) works from any directory through npm's bin link", async () => {
    const bin = join(dir, "bvi-try");
    await symlink(join(REPO_ROOT, "src/cli/bvi-try.js"), bin);
    const help = await runCommand(bin, ["--help"], { env: cliEnv(env), cwd: dir });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--matrix");
    expect(help.stdout).toContain("--prompts");
    const bad = await runCommand(bin, ["--temperature", "9", PROMPT], { env: cliEnv(env), cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("temperature must be between 0 and 2");
  });

  describe("downloads", () => {
    let server: Server;
    let endpoint: string;
    const files = new Map<string, Buffer>();

    beforeAll(async () => {
      for (const name of ["tiny-base.gguf", "tiny-instruct.gguf"]) files.set(name, await readFile(join(dir, name)));
      // A local stand-in for Hugging Face's file endpoint, publishing each file's SHA-256 as Hugging Face does.
      server = createServer((req, res) => {
        const name = /^\/tiny-org\/tiny-GGUF\/resolve\/main\/([\w.-]+)/.exec(req.url ?? "")?.[1];
        const file = name === undefined ? undefined : files.get(name);
        if (file === undefined) {
          res.writeHead(404).end("not found");
          return;
        }
        res.writeHead(200, {
          "content-type": "application/octet-stream",
          "content-length": String(file.length),
          "x-linked-etag": `"${createHash("sha256").update(file).digest("hex")}"`,
        });
        res.end(req.method === "HEAD" ? undefined : file);
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const address = server.address();
      if (address === null || typeof address === "string") throw new Error("no port");
      endpoint = `http://127.0.0.1:${address.port}/`;
    });

    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    it("downloads hf: models into MODELS_DIR, with plain progress lines when standard error is not a terminal, once", async () => {
      const models = await mkdtemp(join(tmpdir(), "bvi-try-models-"));
      try {
        const hfEnv = {
          ...env,
          BASE_MODEL: "hf:tiny-org/tiny-GGUF/tiny-base.gguf",
          INSTRUCT_MODEL: "hf:tiny-org/tiny-GGUF/tiny-instruct.gguf",
          HF_ENDPOINT: endpoint,
          MODELS_DIR: models,
        };
        const first = await runCli("try", ["--temperature", "0", PROMPT], hfEnv);
        expect(first.code).toBe(0);
        expect(first.stderr).toMatch(/downloading the base model hf:tiny-org\/tiny-GGUF\/tiny-base\.gguf: 100% \(/);
        expect(first.stderr).toMatch(
          /downloading the instruct model hf:tiny-org\/tiny-GGUF\/tiny-instruct\.gguf: 100% \(/,
        );
        expect(first.stdout).toContain(INSTRUCT_ANSWER);

        const second = await runCli("try", ["--temperature", "0", PROMPT], hfEnv);
        expect(second.code).toBe(0);
        expect(second.stderr).not.toContain("downloading");
        expect(second.stdout).toContain(INSTRUCT_ANSWER);
      } finally {
        await rm(models, { recursive: true, force: true });
      }
    });
  });
});

import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportPreferences } from "../../src/cli/export-preferences.js";
import type { PreferenceRow } from "../../src/shared/preferences/export.js";
import { answerTo, isFooter, pressButton, startTestBot, type TestBot } from "../support/bot.js";
import type { FakeChannel, FakeDiscord, FakeGuild, FakeMessage, FakeUser } from "../support/fake-discord/index.js";
import { TEST_REDIS_URL } from "../support/redis.js";
import { BASE_PATHS, expectedText, INSTRUCT_ANSWER } from "../support/tiny-models.js";

let setup: TestBot;
let fake: FakeDiscord;
let guild: FakeGuild;
let channel: FakeChannel;
let redis: Redis;
let ada: FakeUser, bob: FakeUser, cy: FakeUser, dee: FakeUser, admin: FakeUser;

const MANAGE_GUILD = 32n;
const MAX_TOKENS = 12;
const BASE_TEXT = expectedText(BASE_PATHS.question, MAX_TOKENS);

beforeAll(async () => {
  setup = await startTestBot();
  fake = setup.fake;
  guild = fake.createGuild({ name: "Lab" });
  channel = fake.createChannel(guild.id, { name: "votes" });
  [ada, bob, cy, dee, admin] = ["ada", "bob", "cy", "dee", "admin"].map((username) =>
    fake.createUser({ username }),
  ) as [FakeUser, FakeUser, FakeUser, FakeUser, FakeUser];
  redis = new Redis(TEST_REDIS_URL);
});

afterAll(async () => {
  redis?.disconnect();
  await setup?.close();
});

/** A /compare at temperature 0, returned once its footer (chart and buttons) is in the thread. */
async function compare(options: { name: string; value: string | boolean }[] = []) {
  const ix = await fake.invokeCommand({
    name: "compare",
    options: [
      { name: "prompt", value: BASE_PATHS.question.prompt },
      { name: "temperature", value: 0 },
      { name: "max_tokens", value: MAX_TOKENS },
      ...options,
    ],
    channelId: channel.id,
    user: ada,
  });
  const thread = await fake.waitFor(() => fake.interaction(ix.id).originalMessage?.threadId);
  const messages = await fake.waitFor(() => {
    const posted = fake.messages(thread);
    return posted.some(isFooter) && posted;
  });
  return { ix, messages, footer: messages.find(isFooter) as FakeMessage };
}

/** Presses a footer button as `user` and returns the ephemeral answer's text (content and embeds). */
async function press(footer: FakeMessage, customIdStart: string, user: FakeUser): Promise<string> {
  const reply = await pressButton(fake, footer, customIdStart, user);
  expect(reply.ephemeral).toBe(true);
  return reply.content + JSON.stringify(reply.embeds);
}

/** Runs a slash command and waits for its (possibly ephemeral) answer. */
async function command(name: string, user: FakeUser, memberPermissions?: bigint): Promise<FakeMessage> {
  const ix = await fake.invokeCommand({
    name,
    channelId: channel.id,
    user,
    ...(memberPermissions ? { memberPermissions } : {}),
  });
  return answerTo(fake, ix.id);
}

describe("votes that become preference data", () => {
  let blindFooter: FakeMessage;
  /** The letter the instruct model had in the blind comparison. */
  let instructLetter: "A" | "B";

  it("a blind comparison names the sides A and B only, and the exact prompts wait until you vote", async () => {
    const { ix, messages, footer } = await compare([{ name: "blind", value: true }]);
    blindFooter = footer;
    const header = JSON.stringify(fake.interaction(ix.id).originalMessage?.embeds);
    expect(header).toContain("Model A and Model B: which is which shows after you vote");
    const outputs = messages.filter((m) => !isFooter(m));
    expect(outputs.map((m) => m.content.split(" · ")[0])).toEqual(["**Model A**", "**Model B**"]);
    for (const message of messages) {
      expect(message.content).not.toMatch(/tiny-base|tiny-instruct|Base model|Instruct model|💡/);
      // Nor does the base side give itself away by showing the prompt in bold.
      expect(message.content).not.toContain(`**${BASE_PATHS.question.prompt}**`);
    }
    expect(footer.content).toContain("-# Model A: ");
    expect(footer.attachments[0]?.contentType).toBe("image/png");
    instructLetter = outputs[0]?.content.includes(INSTRUCT_ANSWER) ? "A" : "B";

    expect(await press(footer, "prompts:", ada)).toContain("This comparison is blind");
  });

  it("a vote reveals the models to the voter; pressing again changes the vote, never adds one", async () => {
    const baseLetter = instructLetter === "A" ? "B" : "A";
    const first = await press(blindFooter, `vote:\\d+:${baseLetter}`, ada);
    expect(first).toContain(`Your vote: **${baseLetter} is better**. Press another button to change it.`);
    expect(first).toContain(`**${instructLetter}** was the **instruct model** \`tiny-instruct\``);
    expect(first).toContain(`**${baseLetter}** was the **base model** \`tiny-base\``);

    const changed = await press(blindFooter, `vote:\\d+:${instructLetter}`, ada);
    expect(changed).toContain(`Your vote: **${instructLetter} is better** (changed from ${baseLetter} is better)`);
    // Once voted, the exact prompts show.
    expect(await press(blindFooter, "prompts:", ada)).toContain("<|im_start|>assistant");

    await press(blindFooter, `vote:\\d+:${instructLetter}`, bob);
    await press(blindFooter, "vote:\\d+:tie", cy);
    await press(blindFooter, "vote:\\d+:bothBad", dee);
  });

  it("/leaderboard shows win rates with confidence intervals, overall and by prompt category", async () => {
    const { footer } = await compare();
    // Not blind: the buttons name the sides; A is the base model, B the instruct model.
    expect(JSON.stringify(footer.components)).toContain('"label":"Instruct model is better"');
    expect(await press(footer, "vote:\\d+:B", ada)).toContain("Your vote: **Instruct model is better**.");
    await press(footer, "vote:\\d+:B", bob);

    const board = await command("leaderboard", cy);
    expect(board.ephemeral).toBe(false);
    const [embed] = board.embeds as { title: string; description: string; fields: { name: string }[] }[];
    expect(embed?.title).toBe("Base vs instruct leaderboard · Lab");
    // ada's two presses on the blind comparison count once: 4 + 2 votes.
    expect(embed?.description).toContain("**6 votes** on **2 comparisons** · both bad: 1 (17%)");
    expect(embed?.description).toMatch(
      /#1 · \*\*tiny-instruct\*\* \(instruct\) · rating \d+ \(\d+–\d+\)\nwin rate 90% \(95% CI \d+–\d+%\) · 5 games: 4 won, 0 lost, 1 tied/,
    );
    expect(embed?.description).toMatch(/#2 · \*\*tiny-base\*\* \(base\)/);
    expect(embed?.fields.map((f) => f.name)).toEqual(["Questions · 6 votes · both bad 17%"]);
  });

  it("an admin exports the preference pairs as JSONL (prompt, chosen, rejected), and so does npm run export-preferences", async () => {
    const reply = await command("export-preferences", admin, MANAGE_GUILD);
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toMatch(/^2 preference pairs from 2 comparisons/);
    const [file] = reply.attachments;
    expect(file?.filename).toMatch(new RegExp(`^preferences-${guild.id}-\\d{4}-\\d{2}-\\d{2}\\.jsonl$`));
    const jsonl = file?.data.toString("utf8") ?? "";
    const rows = jsonl
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as PreferenceRow);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).toMatchObject({
        prompt: BASE_PATHS.question.prompt,
        chosen: INSTRUCT_ANSWER,
        rejected: BASE_TEXT,
        metadata: { chosenModel: "tiny-instruct", chosenRole: "instruct", rejectedRole: "base", category: "question" },
      });
    }
    expect(rows.map((r) => r.metadata.blind).sort()).toEqual([false, true]);
    expect(rows.find((r) => r.metadata.blind)?.metadata.votes).toEqual({
      [instructLetter]: 2,
      [instructLetter === "A" ? "B" : "A"]: 0,
      tie: 1,
      bothBad: 1,
    });

    // The command-line export reads the same data from Redis.
    const prefix = setup.bot.config.redis.prefix;
    expect((await exportPreferences(redis, prefix, { guild: guild.id })).jsonl).toBe(jsonl);
    const dir = await mkdtemp(join(tmpdir(), "bvi-export-"));
    try {
      const out = join(dir, "prefs.jsonl");
      const { stderr } = await promisify(execFile)(
        process.execPath,
        ["--import", "tsx", "src/cli/export-preferences.ts", "--guild", guild.id, "--out", out],
        { env: { ...process.env, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix } },
      );
      expect(stderr).toContain(`2 preference pairs from 2 comparisons written to ${out}`);
      expect(await readFile(out, "utf8")).toBe(jsonl);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("/export-preferences is for admins: registered with Manage Server as the default permission", () => {
    const registered = fake.commands().find((c) => c.name === "export-preferences");
    expect(registered).toMatchObject({ contexts: [0], default_member_permissions: String(MANAGE_GUILD) });
  });
});

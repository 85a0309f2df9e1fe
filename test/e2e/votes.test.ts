import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportPreferences } from "../../src/cli/export-preferences.js";
import type { PreferenceRow } from "../../src/shared/preferences/export.js";
import { answerTo, isAnswer, isFooter, pressButton, startTestBot, type TestBot } from "../support/bot.js";
import type { FakeChannel, FakeDiscord, FakeGuild, FakeMessage, FakeUser } from "../support/fake-discord/index.js";
import { TEST_REDIS_URL } from "../support/redis.js";
import { BASE_PATHS, expectedText, INSTRUCT_ANSWER } from "../support/tiny-models.js";

let setup: TestBot;
let fake: FakeDiscord;
let guild: FakeGuild;
let channel: FakeChannel;
let redis: Redis;
let ada: FakeUser, bob: FakeUser, cy: FakeUser, dee: FakeUser, eve: FakeUser, admin: FakeUser;

const MANAGE_GUILD = 32n;
const MAX_TOKENS = 12;
const BASE_TEXT = expectedText(BASE_PATHS.question, MAX_TOKENS);

/** Words that tell which model a side is: names, stop reasons, stats, explanations, how it was prompted. */
const GIVES_AWAY =
  /tiny-base|tiny-instruct|end of turn|end-of-turn|end-of-text|token limit|stop sequence|stopped:|tok\/s|first token|💡|chat template|raw continuation|system prompt/i;
/** In the thread, not even the words: the header's title ("Base vs instruct") is the only place they may appear. */
const NAMES_A_ROLE = /\b(base|instruct)\b/i;

beforeAll(async () => {
  // Room for a long answer to stop; every other comparison here asks for 12 tokens.
  setup = await startTestBot({ MAX_NEW_TOKENS: "8192" });
  fake = setup.fake;
  guild = fake.createGuild({ name: "Lab" });
  channel = fake.createChannel(guild.id, { name: "votes" });
  [ada, bob, cy, dee, eve, admin] = ["ada", "bob", "cy", "dee", "eve", "admin"].map((username) =>
    fake.createUser({ username }),
  ) as [FakeUser, FakeUser, FakeUser, FakeUser, FakeUser, FakeUser];
  redis = new Redis(TEST_REDIS_URL);
});

afterAll(async () => {
  redis?.disconnect();
  await setup?.close();
});

/** A /compare at temperature 0, returned once its footer (chart and buttons) is in the thread. */
async function compare(options: { name: string; value: string | boolean | number }[] = [], prompt?: string) {
  const ix = await fake.invokeCommand({
    name: "compare",
    options: [
      { name: "prompt", value: prompt ?? BASE_PATHS.question.prompt },
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
  return { ix, thread, messages, footer: messages.find(isFooter) as FakeMessage };
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

/** Every version a message has had, oldest first, as text: content, embeds and components. */
const versions = (message: FakeMessage) =>
  [...message.editHistory, message].map((v) => JSON.stringify([v.content, v.embeds, v.components]));

describe("a blind comparison stays blind until you vote", () => {
  let blindFooter: FakeMessage;
  let instructLetter: "A" | "B";
  let baseLetter: "A" | "B";

  it("no public request, message or edit tells which side is which model, from the command to the buttons", async () => {
    const before = fake.requests.length;
    const { ix, thread, messages, footer } = await compare([{ name: "blind", value: true }]);
    blindFooter = footer;
    const header = fake.interaction(ix.id).originalMessage!;
    expect(JSON.stringify(header.embeds)).toContain("Model A and Model B: which is which shows after you vote");
    const outputs = messages.filter(isAnswer);
    expect(outputs.map((m) => m.content.split(" · ")[0])).toEqual(["**Model A**", "**Model B**"]);
    instructLetter = outputs[0]!.content.includes(INSTRUCT_ANSWER) ? "A" : "B";
    baseLetter = instructLetter === "A" ? "B" : "A";
    // Both finished, in the same words: "done", nothing about tokens or why it stopped.
    for (const output of outputs) expect(output.content).toMatch(/\n-# ✅ done · its stats and why it stopped show/);

    // Every request the bot sent Discord for this comparison, streaming edits included: none gives it away.
    const sent = fake.requests.slice(before).filter((r) => r.method !== "GET");
    // Streaming edits among them: each side's message was edited while it generated, then with its final text.
    for (const output of outputs) {
      expect(
        sent.filter((r) => r.method === "PATCH" && r.path.endsWith(`/messages/${output.id}`)).length,
      ).toBeGreaterThan(0);
    }
    for (const request of sent) {
      const text = JSON.stringify(request.body) + JSON.stringify(request.files.map((f) => f.name));
      expect(text, `${request.method} ${request.path}`).not.toMatch(GIVES_AWAY);
      if (request.path.includes(`/channels/${thread}/`) || request.path.endsWith("/threads")) {
        expect(text, `${request.method} ${request.path}`).not.toMatch(NAMES_A_ROLE);
      }
    }
    // Every version of every message: the header, each side, the footer (its chart legend names A and B only).
    for (const version of versions(header)) expect(version).not.toMatch(GIVES_AWAY);
    for (const message of fake.messages(thread)) {
      for (const version of versions(message)) {
        expect(version).not.toMatch(GIVES_AWAY);
        expect(version).not.toMatch(NAMES_A_ROLE);
        // Nor does the base side give itself away by showing the prompt in bold.
        expect(version).not.toContain(`**${BASE_PATHS.question.prompt}**`);
      }
    }
    expect(fake.channel(thread)?.name).toBe(`compare: ${BASE_PATHS.question.prompt}`);
    expect(footer.content).toContain("-# Model A: ");
    expect(footer.content).toContain("-# Model B: ");
    expect(footer.attachments[0]?.contentType).toBe("image/png");
    expect(JSON.stringify(footer.components)).toContain('"label":"A is better"');

    expect(await press(footer, "prompts:", ada)).toContain("This comparison is blind");
  });

  it("a vote reveals, only to the voter, which model wrote which, with stats, stop reasons and explanations", async () => {
    const inThread = () =>
      fake
        .messages(blindFooter.channelId)
        .filter((m) => !m.ephemeral)
        .map(versions);
    const publicBefore = inThread();
    const first = await press(blindFooter, `vote:\\d+:${baseLetter}`, ada);
    expect(first).toContain(`Your vote: **${baseLetter} is better**. Press another button to change it.`);
    expect(first).toContain(`**${instructLetter}** was the **instruct model** \`tiny-instruct\`.`);
    expect(first).toContain(`**${baseLetter}** was the **base model** \`tiny-base\`.`);
    expect(first).toMatch(/-# 6 tokens · [\d.]+ tok\/s · first token \d+ ms · stopped: end of turn/);
    expect(first).toMatch(/-# 12 tokens · [\d.]+ tok\/s · first token \d+ ms · stopped: token limit \(12\)/);
    expect(first).toContain("💡 It ended its turn: it wrote its end-of-turn token `<|im_end|>`");
    expect(first).toContain("💡 It ran into the 12-token limit: a base model has no idea of a turn");
    // The thread itself stays as it was: the reveal is the voter's alone.
    expect(inThread()).toEqual(publicBefore);

    const changed = await press(blindFooter, `vote:\\d+:${instructLetter}`, ada);
    expect(changed).toContain(`Your vote: **${instructLetter} is better** (changed from ${baseLetter} is better)`);
    expect(changed).toContain("this vote now counts with the labelled votes, not the blind ones");
    // Once voted, the exact prompts show.
    expect(await press(blindFooter, "prompts:", ada)).toContain("Instruct model · tiny-instruct");

    await press(blindFooter, `vote:\\d+:${instructLetter}`, bob);
    await press(blindFooter, "vote:\\d+:tie", cy);
    await press(blindFooter, "vote:\\d+:bothBad", dee);
  });
});

describe("votes that become preference data", () => {
  let stoppedId: string;

  it("a stopped comparison takes no votes: the footer says why, and an old vote button says so privately", async () => {
    const ix = await fake.invokeCommand({
      name: "compare",
      options: [
        { name: "prompt", value: BASE_PATHS.other.prompt },
        { name: "temperature", value: 0 },
        { name: "blind", value: true },
      ],
      channelId: channel.id,
      user: ada,
    });
    const thread = await fake.waitFor(() => fake.interaction(ix.id).originalMessage?.threadId);
    // Stopped while it generates: the base side would take seconds to reach 8192 tokens.
    await fake.waitFor(() =>
      setup.bot.logs.lines.some((l) => l.includes(`"ix-${ix.id}"`) && l.includes("generation started")),
    );
    await fake.invokeComponent({
      customId: `stop:${ix.id}`,
      messageId: fake.interaction(ix.id).originalMessage!.id,
      user: ada,
    });
    const footer = await fake.waitFor(() => fake.messages(thread).find(isFooter), { timeoutMs: 30_000 });

    stoppedId = `ix-${ix.id}`;
    expect(footer.content).toContain("⏹️ **No votes on this one:** it was stopped before the end");
    expect(JSON.stringify(footer.components)).not.toContain("vote:");
    for (const message of fake.messages(thread)) expect(versions(message).join()).not.toMatch(GIVES_AWAY);
    // Nobody can vote, so the exact prompts say which model was which.
    expect(await press(footer, "prompts:", bob)).toMatch(/\*\*[AB]\*\* was the \*\*base model\*\* `tiny-base`/);

    // A footer an earlier version of the bot posted still had vote buttons.
    const old = await fetch(`${fake.apiUrl}/v10/channels/${thread}/messages/${footer.id}`, {
      method: "PATCH",
      headers: { authorization: `Bot ${fake.token}`, "content-type": "application/json" },
      body: JSON.stringify({
        components: [
          { type: 1, components: [{ type: 2, style: 1, label: "A is better", custom_id: `vote:${ix.id}:A` }] },
        ],
      }),
    });
    expect(old.status).toBe(200);
    const refused = await press(fake.message(footer.id)!, "vote:\\d+:A", bob);
    expect(refused).toContain("This comparison was stopped before the end, so it takes no votes");
  });

  it("/leaderboard leads with blind votes and counts labelled votes apart; a changed vote moves, never adds", async () => {
    const { footer } = await compare();
    // Not blind: the buttons name the sides; A is the base model, B the instruct model.
    expect(JSON.stringify(footer.components)).toContain('"label":"Instruct model is better"');
    expect(await press(footer, "vote:\\d+:A", eve)).toContain("Your vote: **Base model is better**.");
    expect(await press(footer, "vote:\\d+:B", eve)).toContain("(changed from Base model is better)");
    await press(footer, "vote:\\d+:B", bob);

    const board = await command("leaderboard", cy);
    expect(board.ephemeral).toBe(false);
    const [embed] = board.embeds as { title: string; description: string; fields: { name: string }[] }[];
    expect(embed?.title).toBe("Base vs instruct leaderboard · Lab");
    const description = embed?.description ?? "";
    // Blind: bob (instruct), cy (tie), dee (both bad). Labelled: ada's vote changed after the reveal, and eve's and
    // bob's on the labelled comparison (eve's two presses count once). The stopped comparison counts nowhere.
    expect(description).toMatch(
      /^\*\*Blind votes\*\* · 3 votes on 1 comparison · both bad: 1 \(33%\)\n-# Nobody knew .*\n#1 · \*\*tiny-instruct\*\* \(instruct\) · rating \d+ \(\d+–\d+\)\nwin rate 75% \(95% CI \d+–\d+%\) · 2 games: 1 won, 0 lost, 1 tied\n#2 · \*\*tiny-base\*\* \(base\)/,
    );
    expect(description).toMatch(
      /\n\n\*\*Labelled votes\*\* · 3 votes on 2 comparisons · both bad: 0 \(0%\)\n-# Members saw .*\n#1 · \*\*tiny-instruct\*\* \(instruct\) · rating \d+ \(\d+–\d+\)\nwin rate 100% \(95% CI \d+–\d+%\) · 3 games: 3 won, 0 lost, 0 tied/,
    );
    expect(embed?.fields.map((f) => f.name)).toEqual(["Questions · blind · 3 votes · both bad 33%"]);
  });

  it("/leaderboard has a per-member cooldown, told privately", async () => {
    const again = await command("leaderboard", cy);
    expect(again.ephemeral).toBe(true);
    expect(again.content).toMatch(/^You just looked at the leaderboard: you can run `\/leaderboard` again in \d+ s\./);
    // Another member is not held back.
    expect((await command("leaderboard", dee)).ephemeral).toBe(false);
  });

  it("an admin exports the preference pairs as JSONL, blind and labelled votes apart, and so does npm run export-preferences", async () => {
    const reply = await command("export-preferences", admin, MANAGE_GUILD);
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toMatch(/^2 preference pairs from 2 comparisons/);
    expect(reply.content).toContain("3 blind and 3 labelled votes");
    const [file] = reply.attachments;
    expect(file?.filename).toMatch(new RegExp(`^preferences-${guild.id}-\\d{4}-\\d{2}-\\d{2}\\.jsonl$`));
    const jsonl = file?.data.toString("utf8") ?? "";
    const rows = jsonl
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as PreferenceRow);
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => r.metadata.comparisonId)).not.toContain(stoppedId);
    for (const row of rows) {
      expect(row).toMatchObject({
        prompt: BASE_PATHS.question.prompt,
        chosen: INSTRUCT_ANSWER,
        rejected: BASE_TEXT,
        metadata: { chosenModel: "tiny-instruct", chosenRole: "instruct", rejectedRole: "base", category: "question" },
      });
    }
    expect(rows.map((r) => r.metadata.blind).sort()).toEqual([false, true]);
    const baseLetter = rows.find((r) => r.metadata.blind)?.metadata.votes.A === 2 ? "B" : "A";
    const instructLetter = baseLetter === "A" ? "B" : "A";
    expect(rows.find((r) => r.metadata.blind)?.metadata).toMatchObject({
      votes: { [instructLetter]: 2, [baseLetter]: 0, tie: 1, bothBad: 1 },
      blindVotes: { [instructLetter]: 1, [baseLetter]: 0, tie: 1, bothBad: 1 },
      labelledVotes: { [instructLetter]: 1, [baseLetter]: 0, tie: 0, bothBad: 0 },
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
      expect(stderr).toContain("3 blind and 3 labelled votes");
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

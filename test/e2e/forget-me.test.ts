import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerTo, isFooter, pressButton, startTestBot, type TestBot } from "../support/bot.js";
import type { FakeChannel, FakeDiscord, FakeMessage, FakeUser } from "../support/fake-discord/index.js";
import { BASE_PATHS } from "../support/tiny-models.js";

let setup: TestBot;
let fake: FakeDiscord;
let channel: FakeChannel;
let elsewhere: FakeChannel;
let ada: FakeUser, bob: FakeUser, cy: FakeUser, admin: FakeUser;

const MANAGE_GUILD = 32n;

beforeAll(async () => {
  setup = await startTestBot();
  fake = setup.fake;
  channel = fake.createChannel(fake.createGuild({ name: "Lab" }).id, { name: "lab" });
  elsewhere = fake.createChannel(fake.createGuild({ name: "Other" }).id, { name: "other" });
  [ada, bob, cy, admin] = ["ada", "bob", "cy", "admin"].map((username) => fake.createUser({ username })) as [
    FakeUser,
    FakeUser,
    FakeUser,
    FakeUser,
  ];
});

afterAll(() => setup?.close());

/** Runs a generation command as `user` in `channelId`; resolves once its footer is posted, with where it went. */
async function generate(name: "compare" | "ask", user: FakeUser, channelId: string, prompt: string) {
  const ix = await fake.invokeCommand({
    name,
    options: [
      { name: "prompt", value: prompt },
      { name: "temperature", value: 0 },
      { name: "max_tokens", value: 12 },
    ],
    channelId,
    user,
  });
  // In a channel the answer goes to a new thread on the header; in a thread, in place.
  const inThread = fake.channel(channelId)?.parentId !== null;
  const header = await fake.waitFor(() => {
    const message = fake.interaction(ix.id).originalMessage;
    return message && !message.loading && (inThread || message.threadId !== null) && message;
  });
  const place = header.threadId ?? channelId;
  const footer = await fake.waitFor(() =>
    fake.messages(place).find((m) => isFooter(m) && JSON.stringify(m.components).includes(ix.id)),
  );
  return { header, place, footer };
}

/** Runs a slash command without options and waits for its answer. */
async function command(name: string, user: FakeUser, channelId = channel.id, options: object[] = []) {
  const ix = await fake.invokeCommand({
    name,
    channelId,
    user,
    ...(options.length > 0 ? { options: options as never } : {}),
    ...(user === admin ? { memberPermissions: MANAGE_GUILD } : {}),
  });
  return { ix, reply: await answerTo(fake, ix.id) };
}

const vote = async (footer: FakeMessage, choice: "A" | "B", user: FakeUser) =>
  expect((await pressButton(fake, footer, `vote:\\d+:${choice}`, user)).content).toContain("Your vote:");

/** The leaderboard's text, as a member who has not looked yet sees it (a member may look once per cooldown). */
const board = async (channelId = channel.id) =>
  ((await command("leaderboard", fake.createUser(), channelId)).reply.embeds[0] as { description: string }).description;

const headerHow = (header: FakeMessage) =>
  (header.embeds[0] as { fields: { name: string; value: string }[] }).fields.find((f) => f.name === "How")?.value;

describe("/forget-me", () => {
  it("deletes a member's votes, results and conversations everywhere, and says how many, privately", async () => {
    const adasCompare = await generate("compare", ada, channel.id, BASE_PATHS.question.prompt);
    await generate("compare", ada, elsewhere.id, BASE_PATHS.question.prompt); // another server
    const bobsCompare = await generate("compare", bob, channel.id, BASE_PATHS.question.prompt);
    await vote(adasCompare.footer, "A", ada);
    await vote(adasCompare.footer, "B", bob);
    await vote(bobsCompare.footer, "B", ada);
    await vote(bobsCompare.footer, "A", cy);
    expect(await board()).toMatch(
      /^\*\*Blind votes\*\* · none yet[^]*\*\*Labelled votes\*\* · 4 votes on 2 comparisons/,
    );
    // Ada's /ask thread, where Bob asks too; Bob's /ask thread, where Ada asks too.
    const adasThread = await generate("ask", ada, channel.id, "My name is Ada.");
    await generate("ask", bob, adasThread.place, "And I am Bob.");
    const bobsThread = await generate("ask", bob, channel.id, "My name is Bob.");
    await generate("ask", ada, bobsThread.place, "Hello Bob, Ada here.");

    const { reply } = await command("forget-me", ada);
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toBe(
      [
        "Done: the bot no longer stores anything about you.",
        "Deleted **2 votes**, **4 results** you asked for (with 1 vote other members cast on your comparisons) and **1 conversation** (the memory of /ask threads you started, and 1 of your exchanges in /ask threads others started).",
        "-# Your votes left `/leaderboard` at once. The messages in Discord stay: they are Discord's, delete them there if you want them gone.",
      ].join("\n"),
    );
    // Only Cy's vote on Bob's comparison is left.
    expect(await board()).toMatch(/\*\*Labelled votes\*\* · 1 vote on 1 comparison/);
    expect((await pressButton(fake, adasCompare.footer, "prompts:", bob)).content).toMatch(
      /This result is no longer stored/,
    );
    // The bot forgot Ada's thread, and Ada's words in Bob's thread, and nothing of Bob's.
    expect(headerHow((await generate("ask", bob, adasThread.place, "Who am I?")).header)).toBeUndefined();
    expect(headerHow((await generate("ask", bob, bobsThread.place, "Who am I?")).header)).toBe(
      "Continues the conversation in this thread: the model is given the 1 earlier turn.",
    );

    const again = await command("forget-me", ada);
    expect(again.reply.content).toBe(
      "The bot stores nothing about you: no votes, no results you asked for, no conversations.",
    );
  });
});

describe("/purge-server-data", () => {
  it("is for admins: registered with Manage Server as the default permission, in servers only", () => {
    const registered = fake.commands().find((c) => c.name === "purge-server-data");
    expect(registered).toMatchObject({ contexts: [0], default_member_permissions: String(MANAGE_GUILD) });
  });

  it("shows what it would delete and asks first; Cancel deletes nothing, confirming deletes this server's data only", async () => {
    const other = await generate("compare", cy, elsewhere.id, BASE_PATHS.question.prompt);
    await vote(other.footer, "B", cy);
    const here = await generate("compare", bob, channel.id, BASE_PATHS.question.prompt);
    await vote(here.footer, "B", bob);

    const first = await command("purge-server-data", admin);
    expect(first.reply.ephemeral).toBe(true);
    expect(first.reply.content).toMatch(
      /^This deletes \*\*\d+ results\*\* \(comparisons and answers\), \*\*2 votes\*\* \(the leaderboard starts over\), \*\*2 conversations\*\* of this server, for good\./,
    );
    const cancelled = await pressButton(fake, first.reply, `purge:${first.ix.id}:cancel`, admin);
    expect(cancelled.content).toBe("Nothing deleted.");
    expect(await board()).toMatch(/2 votes on 2 comparisons/);

    const second = await command("purge-server-data", admin);
    await pressButton(fake, second.reply, `purge:${second.ix.id}:confirm`, admin);
    const done = await fake.waitFor(() => {
      const content = fake.interaction(second.ix.id).originalMessage?.content ?? "";
      return content.startsWith("Deleted") && content;
    });
    expect(done).toMatch(
      /^Deleted \*\*\d+ results\*\* \(comparisons and answers\), \*\*2 votes\*\* .*\*\*2 conversations\*\*/,
    );
    expect(await board()).toMatch(/^No votes yet/);
    expect((await pressButton(fake, here.footer, "prompts:", bob)).content).toMatch(/no longer stored/);
    // The other server keeps its data.
    expect(await board(elsewhere.id)).toMatch(/\*\*Labelled votes\*\* · 1 vote on 1 comparison/);
    expect((await command("purge-server-data", admin)).reply.content).toBe(
      "Nothing to delete: this server has none of that stored.",
    );
  });
});

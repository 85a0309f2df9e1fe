import { crc32, deflateSync } from "node:zlib";
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  MessageFlags,
  REST,
  Routes,
  type ButtonInteraction,
  type ForumChannel,
  type ChatInputCommandInteraction,
  type Interaction,
  type TextChannel,
} from "discord.js";
import { afterEach, describe, expect, it } from "vitest";
import {
  DEFAULT_BOT_PERMISSIONS,
  FakeDiscord,
  Permission,
  type FakeChannel,
  type FakeDiscordOptions,
  type FakeGuild,
} from "../support/fake-discord/index.js";

interface Harness {
  fake: FakeDiscord;
  client: Client;
  guild: FakeGuild;
  channel: FakeChannel;
}

const cleanups: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function startFake(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const fake = await FakeDiscord.start(options);
  cleanups.push(() => fake.close());
  return fake;
}

function newClient(fake: FakeDiscord, intents: GatewayIntentBits[] = [GatewayIntentBits.Guilds]): Client {
  const client = new Client({ intents, rest: { api: fake.apiUrl } });
  cleanups.push(() => client.destroy());
  return client;
}

/** Fake + guild + #general + a logged-in, ready discord.js client. */
async function harness(options: FakeDiscordOptions = {}): Promise<Harness> {
  const fake = await startFake(options);
  const guild = fake.createGuild({ name: "Study group" });
  const channel = fake.createChannel(guild.id, { name: "general" });
  const client = newClient(fake);
  const ready = new Promise((resolve) => client.once(Events.ClientReady, resolve));
  await client.login(fake.token);
  await ready;
  return { fake, client, guild, channel };
}

/** Resolves with the next interaction of type T the client receives. */
function nextInteraction<T extends Interaction>(client: Client): Promise<T> {
  return new Promise((resolve) => client.once(Events.InteractionCreate, (i) => resolve(i as T)));
}

async function apiError(promise: Promise<unknown>): Promise<DiscordAPIError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DiscordAPIError);
  return error as DiscordAPIError;
}

/** A valid width×height grey PNG (signature, IHDR, IDAT, IEND). */
function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, "latin1");
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  const rows = Buffer.alloc((width + 1) * height, 0x80);
  for (let y = 0; y < height; y += 1) rows[y * (width + 1)] = 0; // filter byte
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

describe("fake Discord with the real discord.js client", () => {
  it("logs in, receives READY and caches the guild with its channels and permissions", async () => {
    const { fake, client, guild, channel } = await harness();
    expect(fake.identifies).toHaveLength(1);
    expect(fake.identifies[0]?.intents).toBe(GatewayIntentBits.Guilds);
    expect(client.user?.id).toBe(fake.botUser.id);
    expect(client.application?.id).toBe(fake.applicationId);
    const cached = client.guilds.cache.get(guild.id);
    expect(cached?.name).toBe("Study group");
    const general = cached?.channels.cache.get(channel.id) as TextChannel | undefined;
    expect(general?.name).toBe("general");
    const me = cached?.members.me;
    expect(me).toBeTruthy();
    expect(general?.permissionsFor(me!).bitfield).toBe(fake.botPermissions(channel.id));

    const voice = fake.createChannel(guild.id, { name: "voice", type: 2 });
    await fake.waitFor(() => client.channels.cache.get(voice.id));
    expect(fake.errors).toEqual([]);
  });

  it("rejects privileged intents with close code 4014", async () => {
    const fake = await startFake();
    const client = newClient(fake, [GatewayIntentBits.Guilds, GatewayIntentBits.MessageContent]);
    const closed = new Promise<number>((resolve) =>
      client.once(Events.ShardDisconnect, (event) => resolve(event.code)),
    );
    client.login(fake.token).catch(() => undefined);
    expect(await closed).toBe(4014);
    expect(fake.identifies[0]?.intents).toBe(GatewayIntentBits.Guilds | GatewayIntentBits.MessageContent);
  });

  it("delivers slash commands with options; deferReply then editReply", async () => {
    const { fake, client, channel } = await harness();
    const user = fake.createUser({ username: "ada" });
    const received = nextInteraction<ChatInputCommandInteraction>(client);
    const ix = await fake.invokeCommand({
      name: "compare",
      options: [{ name: "prompt", type: 3, value: "hi" }],
      user,
      channelId: channel.id,
    });
    const interaction = await received;
    expect(interaction.isChatInputCommand()).toBe(true);
    expect(interaction.options.getString("prompt")).toBe("hi");
    expect(interaction.user.id).toBe(user.id);
    expect(interaction.inGuild()).toBe(true);
    expect(interaction.channel?.id).toBe(channel.id);

    await interaction.deferReply();
    const thinking = fake.interaction(ix.id).originalMessage;
    expect(thinking?.loading).toBe(true);
    expect(fake.messages(channel.id).map((m) => m.id)).toContain(thinking?.id);

    await interaction.editReply("done");
    const state = fake.interaction(ix.id);
    expect(state.deferred).toBe(true);
    expect(state.acknowledgedAfterMs).toBeLessThan(3000);
    expect(state.originalMessage?.content).toBe("done");
    expect(state.originalMessage?.loading).toBe(false);
    expect(state.originalMessage?.edits).toBe(1);
    expect(fake.errors).toEqual([]);
  });

  it("answers a late callback with 10062 Unknown interaction", async () => {
    const { fake, client, channel } = await harness();
    const user = fake.createUser();
    const received = nextInteraction<ChatInputCommandInteraction>(client);
    await fake.invokeCommand({ name: "slow", user, channelId: channel.id, deadlineMs: 20 });
    const interaction = await received;
    await new Promise((resolve) => setTimeout(resolve, 60)); // the bot doing slow work first
    const error = await apiError(interaction.reply("too late"));
    expect(error.code).toBe(10062);
    expect(fake.errors.map((e) => e.code)).toEqual([10062]);
  });

  it("answers a second callback with 40060 already acknowledged", async () => {
    const { fake, client, channel } = await harness();
    const rest = new REST({ api: fake.apiUrl }).setToken(fake.token);
    const received = nextInteraction<ChatInputCommandInteraction>(client);
    const ix = await fake.invokeCommand({ name: "twice", user: fake.createUser(), channelId: channel.id });
    await (await received).reply("first");
    const second = rest.post(Routes.interactionCallback(ix.id, ix.token), {
      body: { type: 4, data: { content: "second" } },
      auth: false,
    });
    expect((await apiError(second)).code).toBe(40060);
    expect(fake.interaction(ix.id).responses).toHaveLength(1);
  });

  it("starts a thread from the reply and sends/edits messages in it", async () => {
    const { fake, client, channel } = await harness();
    const received = nextInteraction<ChatInputCommandInteraction>(client);
    const ix = await fake.invokeCommand({ name: "compare", user: fake.createUser(), channelId: channel.id });
    const interaction = await received;
    const response = await interaction.reply({ content: "Comparing…", withResponse: true });
    const reply = response.resource?.message;
    expect(reply?.id).toBe(fake.interaction(ix.id).originalMessage?.id);
    const threadCreated = new Promise((resolve) => client.once(Events.ThreadCreate, resolve));
    const thread = await reply!.startThread({ name: "base vs instruct" });
    await threadCreated;
    expect(thread.id).toBe(reply!.id);
    expect(fake.threads(channel.id).map((t) => [t.id, t.type, t.name])).toEqual([[reply!.id, 11, "base vs instruct"]]);
    expect(fake.message(reply!.id)?.threadId).toBe(thread.id);

    const sent = await thread.send("base: …");
    await sent.edit("base: hello");
    const [inThread] = fake.messages(thread.id);
    expect(inThread?.content).toBe("base: hello");
    expect(inThread?.edits).toBe(1);
    expect(inThread?.editHistory[0]?.content).toBe("base: …");

    const again = await apiError(client.rest.post(Routes.threads(channel.id, reply!.id), { body: { name: "again" } }));
    expect(again.code).toBe(160004);

    fake.archiveThread(thread.id, { locked: true });
    expect((await apiError(thread.send("after lock"))).code).toBe(50083);
  });

  it("enforces content and embed limits with 50035 and empty messages with 50006", async () => {
    const { fake, client, channel } = await harness();
    const general = client.channels.cache.get(channel.id) as TextChannel;
    const tooLong = await apiError(general.send("x".repeat(2001)));
    expect(tooLong.code).toBe(50035);
    expect(JSON.stringify(tooLong.rawError)).toContain("BASE_TYPE_MAX_LENGTH");
    const embeds = Array.from({ length: 11 }, (_, i) => ({ description: `e${i}` }));
    expect((await apiError(general.send({ embeds }))).code).toBe(50035);
    expect(
      (await apiError(client.rest.post(Routes.channelMessages(channel.id), { body: { content: "  " } }))).code,
    ).toBe(50006);
    await general.send("x".repeat(2000));
    expect(fake.errors.map((e) => e.code)).toEqual([50035, 50035, 50006]);
  });

  it("records unsafe mentions unless allowed_mentions blocks them", async () => {
    const { fake, client, channel } = await harness();
    const general = client.channels.cache.get(channel.id) as TextChannel;
    const ada = fake.createUser({ username: "ada" });
    await general.send({ content: `hi <@${ada.id}> and @everyone`, allowedMentions: { parse: [] } });
    expect(fake.unsafeMentions).toEqual([]);
    await general.send(`hi <@${ada.id}>`);
    expect(fake.unsafeMentions).toHaveLength(1);
    expect(fake.unsafeMentions[0]?.mentions.map((m) => [m.kind, m.id])).toEqual([["user", ada.id]]);
    expect(fake.unsafeMentions[0]?.source).toBe("message.create");
  });

  it("rate-limits with Discord headers; @discordjs/rest waits on 429 and succeeds", async () => {
    const { fake, client, channel } = await harness({
      rateLimits: { routes: { "POST /channels/:channel_id/messages": { limit: 2, windowMs: 1000 } } },
    });
    const general = client.channels.cache.get(channel.id) as TextChannel;
    await general.send("one");
    await general.send("two");
    // A second process (e.g. a worker) shares the bucket but has not seen its headers yet.
    const worker = new REST({ api: fake.apiUrl }).setToken(fake.token);
    await worker.post(Routes.channelMessages(channel.id), { body: { content: "three" } });
    expect(fake.rateLimitHits).toHaveLength(1);
    expect(fake.rateLimitHits[0]).toMatchObject({
      method: "POST",
      route: "POST /channels/:channel_id/messages",
      majorParameter: channel.id,
      global: false,
    });
    expect(fake.messages(channel.id).map((m) => m.content)).toEqual(["one", "two", "three"]);
    expect(fake.requests.at(-1)?.status).toBe(200);
    const raw = await fetch(`${fake.apiUrl}/v10/channels/${channel.id}`, {
      headers: { authorization: `Bot ${fake.token}` },
    });
    expect(raw.headers.get("x-ratelimit-bucket")).toMatch(/^[0-9a-f]{32}$/);
    expect(Number(raw.headers.get("x-ratelimit-limit"))).toBeGreaterThan(0);
    expect(Number(raw.headers.get("x-ratelimit-reset"))).toBeGreaterThan(Date.now() / 1000);
    expect(raw.headers.get("x-ratelimit-reset-after")).toMatch(/^\d+\.\d{3}$/);
  });

  it("rejects follow-ups with an expired token (50027)", async () => {
    const { fake, client, channel } = await harness();
    const received = nextInteraction<ChatInputCommandInteraction>(client);
    const ix = await fake.invokeCommand({ name: "compare", user: fake.createUser(), channelId: channel.id });
    const interaction = await received;
    await interaction.deferReply();
    fake.expireInteractionToken(ix.id);
    expect((await apiError(interaction.editReply("late"))).code).toBe(50027);
    expect((await apiError(interaction.followUp("later"))).code).toBe(50027);
  });

  it("handles DM interactions (no guild) and button clicks", async () => {
    const { fake, client } = await harness();
    const user = fake.createUser({ username: "grace" });
    const dm = fake.createDmChannel(user.id);
    const received = nextInteraction<ChatInputCommandInteraction>(client);
    const ix = await fake.invokeCommand({
      name: "compare",
      user,
      channelId: dm.id,
      options: [{ name: "prompt", value: "hello" }],
    });
    const interaction = await received;
    expect(interaction.guildId).toBeNull();
    expect(interaction.inGuild()).toBe(false);
    expect(interaction.user.id).toBe(user.id);
    expect(interaction.options.getString("prompt")).toBe("hello");
    const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId("again").setLabel("Again").setStyle(ButtonStyle.Primary),
    );
    await interaction.reply({ content: "result", components: [row] });
    const original = fake.interaction(ix.id).originalMessage;
    expect(original?.channelId).toBe(dm.id);

    const clicked = nextInteraction<ButtonInteraction>(client);
    const click = await fake.invokeComponent({ customId: "again", messageId: original!.id, user });
    const button = await clicked;
    expect(button.customId).toBe("again");
    await button.update({ content: "result (again)", components: [] });
    expect(fake.message(original!.id)?.content).toBe("result (again)");
    expect(fake.interaction(click.id).responses.map((r) => r.type)).toEqual([7]);
  });

  it("validates application command registration", async () => {
    const { fake, client, guild } = await harness();
    const body = [
      {
        name: "compare",
        description: "Compare base and instruct",
        options: [{ name: "prompt", description: "Prompt", type: 3, required: true, max_length: 6000 }],
      },
    ];
    await client.rest.put(Routes.applicationCommands(fake.applicationId), { body });
    expect(fake.commands().map((c) => c["name"])).toEqual(["compare"]);
    const bad = await apiError(
      client.rest.put(Routes.applicationGuildCommands(fake.applicationId, guild.id), {
        body: [{ name: "Compare Now", description: "" }],
      }),
    );
    expect(bad.code).toBe(50035);
    expect(fake.commands(guild.id)).toEqual([]);
    await expect(
      fake.invokeCommand({ name: "compare", user: fake.createUser(), channelId: fake.createChannel(guild.id).id }),
    ).rejects.toThrow(/required option prompt/);
  });

  it("resumes after a dropped gateway connection and replays missed dispatches", async () => {
    const { fake, client, guild } = await harness();
    const resumed = new Promise((resolve) => client.once(Events.ShardResume, resolve));
    fake.disconnectGateway({ code: 4000 });
    const missed = fake.createChannel(guild.id, { name: "while-away" });
    await resumed;
    await fake.waitFor(() => client.channels.cache.get(missed.id));
    expect(fake.identifies).toHaveLength(1);
    expect(fake.dispatches.map((d) => d.t)).toEqual(["READY", "GUILD_CREATE", "CHANNEL_CREATE", "RESUMED"]);
  });

  it("enforces channel permissions, channel types and thread states", async () => {
    const { fake, client, guild, channel } = await harness();
    const rest = client.rest;
    const post = (channelId: string, content = "x") =>
      rest.post(Routes.channelMessages(channelId), { body: { content } });
    const readOnly = fake.createChannel(guild.id, {
      botPermissions: Permission.ViewChannel | Permission.ReadMessageHistory,
    });
    const hidden = fake.createChannel(guild.id, { botPermissions: 0n });
    const voice = fake.createChannel(guild.id, { type: 2 });
    const forum = fake.createChannel(guild.id, { type: 15 });
    expect((await apiError(post(readOnly.id))).code).toBe(50013);
    expect((await apiError(post(hidden.id))).code).toBe(50001);
    expect((await apiError(post("1"))).code).toBe(10003);
    expect((await apiError(post(forum.id))).code).toBe(50008);
    const inVoice = (await post(voice.id, "voice text chat works")) as { id: string };
    const voiceThread = rest.post(Routes.threads(voice.id, inVoice.id), { body: { name: "t" } });
    expect((await apiError(voiceThread)).code).toBe(50024);

    await fake.waitFor(() => client.channels.cache.get(forum.id));
    const forumPost = await (client.channels.cache.get(forum.id) as ForumChannel).threads.create({
      name: "A post",
      message: { content: "starter" },
    });
    expect(fake.messages(forumPost.id).map((m) => [m.id, m.content])).toEqual([[forumPost.id, "starter"]]);

    fake.setBotPermissions(channel.id, DEFAULT_BOT_PERMISSIONS & ~Permission.CreatePublicThreads);
    const general = client.channels.cache.get(channel.id) as TextChannel;
    await fake.waitFor(() => !general.permissionsFor(client.user!)?.has(Permission.CreatePublicThreads));
    const starter = await general.send("start");
    expect((await apiError(starter.startThread({ name: "nope" }))).code).toBe(50013);
    fake.setBotPermissions(channel.id, null);
    const thread = await starter.startThread({ name: "ok" });

    fake.archiveThread(thread.id);
    await thread.send("sending unarchives an unlocked thread");
    expect(fake.channel(thread.id)?.archived).toBe(false);
    fake.lockThread(thread.id);
    expect((await apiError(thread.send("locked"))).code).toBe(160005);
  });
  it("keeps Discord's other limits: slowmode, the active-thread cap, closed DMs, and a latency setting", async () => {
    const { fake, client, channel, guild } = await harness({ maxActiveThreads: 1 });
    const text = (await client.channels.fetch(channel.id)) as TextChannel;
    // Slowmode binds bots without Manage Messages: the second send within it is a 429 with code 20016.
    fake.setSlowmode(channel.id, 30);
    await text.send("one");
    const rest = new REST({ api: fake.apiUrl, rejectOnRateLimit: () => true }).setToken(fake.token);
    await expect(rest.post(Routes.channelMessages(channel.id), { body: { content: "two" } })).rejects.toMatchObject({
      timeToReset: expect.any(Number) as number,
    });
    const hit = fake.rateLimitHits.at(-1);
    expect(hit).toMatchObject({ bucket: "code:20016", global: false });
    expect(hit?.retryAfter).toBeGreaterThan(25);
    fake.setSlowmode(channel.id, 0);

    // One active thread at most here: the next is 400 160006.
    const starter = await text.send("thread one");
    await starter.startThread({ name: "first" });
    const other = await text.send("thread two");
    expect((await apiError(other.startThread({ name: "second" }))).code).toBe(160006);

    // A member whose DMs are closed to the bot: 403 50007.
    const user = fake.createUser({ username: "private" });
    const dm = fake.createDmChannel(user.id, { closed: true });
    expect((await apiError(rest.post(Routes.channelMessages(dm.id), { body: { content: "hi" } }))).code).toBe(50007);

    // Latency: every answer comes that much later.
    fake.setLatency(200);
    const started = Date.now();
    await rest.get(Routes.channel(channel.id));
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    fake.setLatency(0);
    expect(guild.id).toBeTruthy();
  });

  it("stores files sent to a channel and a thread, with bytes, type and PNG size", async () => {
    const { fake, client, channel } = await harness();
    const general = client.channels.cache.get(channel.id) as TextChannel;
    const chart = png(64, 32);
    const starter = await general.send("Comparing…");
    const thread = await starter.startThread({ name: "run" });
    const sent = await thread.send({
      files: [{ attachment: chart, name: "chart.png", description: "Tokens per second" }],
    });
    // What discord.js got back (an attachment-only message is valid).
    expect(sent.content).toBe("");
    const got = sent.attachments.first();
    expect(got).toMatchObject({
      name: "chart.png",
      contentType: "image/png",
      size: chart.length,
      width: 64,
      height: 32,
    });
    expect(got?.description).toBe("Tokens per second");
    expect(got?.url).toMatch(
      new RegExp(`^https://cdn\\.discordapp\\.com/attachments/${thread.id}/${got?.id}/chart\\.png\\?`),
    );
    // What the test sees.
    const [stored] = fake.messages(thread.id).at(-1)!.attachments;
    expect(stored).toMatchObject({
      id: got?.id,
      filename: "chart.png",
      contentType: "image/png",
      size: chart.length,
      width: 64,
      height: 32,
      description: "Tokens per second",
      inEmbed: false,
    });
    expect(stored?.data.equals(chart)).toBe(true);

    // Raw REST: payload_json's attachments[] renames files[0]; a declared type is kept.
    const raw = (await client.rest.post(Routes.channelMessages(channel.id), {
      body: { content: "log", attachments: [{ id: 0, filename: "run.jsonl", description: "raw" }] },
      files: [{ name: "upload.bin", data: Buffer.from('{"a":1}\n'), contentType: "application/x-ndjson" }],
    })) as { id: string; attachments: Array<Record<string, unknown>> };
    expect(raw.attachments).toEqual([
      expect.objectContaining({
        filename: "run.jsonl",
        description: "raw",
        content_type: "application/x-ndjson",
        size: 8,
      }),
    ]);
    const jsonl = fake.message(raw.id)?.attachments[0];
    expect(jsonl?.data.toString()).toBe('{"a":1}\n');
    expect(jsonl?.width).toBeNull();
    expect(fake.requests.at(-1)?.files).toEqual([
      { field: "files[0]", name: "upload.bin", size: 8, contentType: "application/x-ndjson" },
    ]);
    expect(fake.errors).toEqual([]);
  });

  it("edits keep, replace or remove attachments like Discord", async () => {
    const { fake, client, channel } = await harness();
    const general = client.channels.cache.get(channel.id) as TextChannel;
    const sent = await general.send({
      content: "two files",
      files: [
        { attachment: Buffer.from("one"), name: "one.txt" },
        { attachment: Buffer.from("two"), name: "two.txt" },
      ],
    });
    const names = () => fake.message(sent.id)?.attachments.map((a) => a.filename);
    expect(names()).toEqual(["one.txt", "two.txt"]);
    expect(fake.message(sent.id)?.attachments[0]?.contentType).toBe("text/plain; charset=utf-8");

    await sent.edit("no attachments field: files stay");
    expect(names()).toEqual(["one.txt", "two.txt"]);
    const kept = await sent.edit({ attachments: [sent.attachments.last()!] });
    expect(names()).toEqual(["two.txt"]);
    expect(kept.attachments.map((a) => a.name)).toEqual(["two.txt"]);
    await sent.edit({ files: [{ attachment: Buffer.from("three"), name: "three.txt" }] });
    expect(names()).toEqual(["three.txt"]); // discord.js lists only the new file: a replacement
    await sent.edit({ attachments: [] });
    expect(names()).toEqual([]);
    expect(fake.message(sent.id)?.editHistory.map((h) => h.attachments.map((a) => a.filename))).toEqual([
      ["one.txt", "two.txt"],
      ["one.txt", "two.txt"],
      ["two.txt"],
      ["three.txt"],
    ]);
    expect((await apiError(sent.edit({ content: "", attachments: [] }))).code).toBe(50006);
  });

  it("shows a file an embed uses (attachment://) only inside the embed", async () => {
    const { fake, client, channel } = await harness();
    const general = client.channels.cache.get(channel.id) as TextChannel;
    const sent = await general.send({
      embeds: [{ title: "Speed", image: { url: "attachment://chart.png" } }],
      files: [{ attachment: png(20, 10), name: "chart.png" }],
    });
    expect(sent.attachments.size).toBe(0);
    expect(sent.embeds[0]?.image).toMatchObject({ width: 20, height: 10 });
    expect(sent.embeds[0]?.image?.url).toMatch(/^https:\/\/cdn\.discordapp\.com\/attachments\/.+\/chart\.png\?/);
    expect(fake.message(sent.id)?.attachments.map((a) => [a.filename, a.inEmbed])).toEqual([["chart.png", true]]);
  });

  it("attaches files to ephemeral replies, deferred edits and follow-ups", async () => {
    const { fake, client, channel } = await harness();
    const user = fake.createUser();
    const jsonl = Buffer.from('{"token":"Hello"}\n{"token":" world"}\n');

    let received = nextInteraction<ChatInputCommandInteraction>(client);
    const ix = await fake.invokeCommand({ name: "export", user, channelId: channel.id });
    let interaction = await received;
    await interaction.reply({
      content: "Your run",
      files: [{ attachment: jsonl, name: "run.jsonl" }],
      flags: MessageFlags.Ephemeral,
    });
    await interaction.followUp({ files: [{ attachment: png(4, 4), name: "chart.png" }] });
    let state = fake.interaction(ix.id);
    expect(state.ephemeral).toBe(true);
    expect(state.originalMessage?.ephemeral).toBe(true);
    const [file] = state.originalMessage!.attachments;
    expect(file?.filename).toBe("run.jsonl");
    expect(file?.data.toString()).toBe(jsonl.toString());
    expect(file?.url).toContain("/ephemeral-attachments/");
    expect(state.followups.map((m) => [m.ephemeral, m.attachments.map((a) => [a.filename, a.contentType])])).toEqual([
      [false, [["chart.png", "image/png"]]],
    ]);

    received = nextInteraction<ChatInputCommandInteraction>(client);
    const deferred = await fake.invokeCommand({ name: "export", user, channelId: channel.id });
    interaction = await received;
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    expect(fake.interaction(deferred.id).originalMessage?.attachments).toEqual([]);
    await interaction.editReply({ content: "done", files: [{ attachment: jsonl, name: "run.jsonl" }] });
    state = fake.interaction(deferred.id);
    expect(state.originalMessage).toMatchObject({ content: "done", ephemeral: true, loading: false });
    expect(state.originalMessage?.attachments.map((a) => a.data.toString())).toEqual([jsonl.toString()]);
    expect(fake.errors).toEqual([]);
  });

  it("rejects uploads over Discord's limits and unknown attachment references", async () => {
    const { fake, client, channel } = await harness();
    const general = client.channels.cache.get(channel.id) as TextChannel;
    const eleven = Array.from({ length: 11 }, (_, i) => ({ attachment: Buffer.from(`${i}`), name: `f${i}.txt` }));
    const tooMany = await apiError(general.send({ files: eleven }));
    expect(tooMany.code).toBe(50035);
    expect(JSON.stringify(tooMany.rawError)).toContain("BASE_TYPE_MAX_LENGTH");

    const big = Buffer.alloc(10 * 1024 * 1024 + 1);
    const tooBig = await apiError(general.send({ files: [{ attachment: big, name: "big.bin" }] }));
    expect([tooBig.status, tooBig.code]).toEqual([413, 40005]);

    const missing = await apiError(
      client.rest.post(Routes.channelMessages(channel.id), {
        body: { attachments: [{ id: 0 }, { id: 1, filename: "b.txt" }] },
        files: [{ name: "a.txt", data: Buffer.from("a") }],
      }),
    );
    expect(missing.code).toBe(50035);
    expect(JSON.stringify(missing.rawError)).toContain("ATTACHMENT_NOT_FOUND");

    const unnamed = await apiError(
      client.rest.post(Routes.channelMessages(channel.id), {
        body: { content: "x", attachments: [{ id: 0, filename: "" }] },
        files: [{ name: "a.txt", data: Buffer.from("a") }],
      }),
    );
    expect(unnamed.code).toBe(50035);

    fake.setBotPermissions(channel.id, DEFAULT_BOT_PERMISSIONS & ~Permission.AttachFiles);
    await fake.waitFor(() => !general.permissionsFor(client.user!)?.has(Permission.AttachFiles));
    const noPerm = await apiError(general.send({ files: [{ attachment: Buffer.from("a"), name: "a.txt" }] }));
    expect(noPerm.code).toBe(50013);
    expect(fake.messages(channel.id)).toEqual([]);
    expect(fake.errors.map((e) => e.code)).toEqual([50035, 40005, 50035, 50035, 50013]);
  });

  it("lets users press buttons on ordinary channel messages and records the bot's answers", async () => {
    const { fake, client, channel } = await harness();
    const user = fake.createUser({ username: "ada" });
    const general = client.channels.cache.get(channel.id) as TextChannel;
    const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId("export").setLabel("Export").setStyle(ButtonStyle.Secondary),
      new ButtonBuilder().setCustomId("stop").setLabel("Stop").setStyle(ButtonStyle.Danger),
      new ButtonBuilder().setURL("https://example.com").setLabel("Docs").setStyle(ButtonStyle.Link),
    );
    const sent = await general.send({ content: "base vs instruct", components: [row] });
    expect(fake.message(sent.id)?.components).toHaveLength(1);
    expect(fake.message(sent.id)?.webhookId).toBeNull();

    // An ephemeral reply with a file.
    let clicked = nextInteraction<ButtonInteraction>(client);
    const exportClick = await fake.invokeComponent({ customId: "export", messageId: sent.id, user });
    let button = await clicked;
    expect(button.message.id).toBe(sent.id);
    expect(button.channelId).toBe(channel.id);
    await button.reply({
      content: "Here is the transcript",
      files: [{ attachment: Buffer.from('{"a":1}\n'), name: "transcript.jsonl" }],
      flags: MessageFlags.Ephemeral,
    });
    const reply = fake.interaction(exportClick.id);
    expect(reply.responses.map((r) => r.type)).toEqual([4]);
    expect(reply.ephemeral).toBe(true);
    expect(reply.originalMessage).toMatchObject({ content: "Here is the transcript", ephemeral: true, flags: 64 });
    expect(reply.originalMessage?.attachments.map((a) => [a.filename, a.data.toString()])).toEqual([
      ["transcript.jsonl", '{"a":1}\n'],
    ]);
    expect(fake.message(sent.id)?.edits).toBe(0);

    // A deferred update, then an edit of the clicked message through @original.
    clicked = nextInteraction<ButtonInteraction>(client);
    const stopClick = await fake.invokeComponent({ customId: "stop", messageId: sent.id, user });
    button = await clicked;
    await button.deferUpdate();
    await button.editReply({
      content: "stopped",
      embeds: [{ description: "Stopped by ada" }],
      components: [],
      files: [{ attachment: png(8, 8), name: "partial.png" }],
    });
    const stop = fake.interaction(stopClick.id);
    expect(stop.responses.map((r) => r.type)).toEqual([6]);
    expect(stop.deferred).toBe(true);
    expect(stop.ephemeral).toBe(false);
    expect(stop.originalMessage?.id).toBe(sent.id);
    const edited = fake.message(sent.id);
    expect(edited).toMatchObject({ content: "stopped", components: [], ephemeral: false });
    expect(edited?.embeds[0]?.["description"]).toBe("Stopped by ada");
    expect(edited?.attachments.map((a) => [a.filename, a.width])).toEqual([["partial.png", 8]]);

    // An update (type 7) on another message that drops its files.
    const again = await general.send({
      content: "again?",
      files: [{ attachment: png(2, 2), name: "old.png" }],
      components: [
        new ActionRowBuilder<ButtonBuilder>().addComponents(
          new ButtonBuilder().setCustomId("again").setLabel("Again").setStyle(ButtonStyle.Primary),
        ),
      ],
    });
    clicked = nextInteraction<ButtonInteraction>(client);
    const againClick = await fake.invokeComponent({ customId: "again", messageId: again.id, user });
    button = await clicked;
    expect(button.message.attachments.first()?.name).toBe("old.png");
    await button.update({ content: "running again", components: [], attachments: [] });
    expect(fake.interaction(againClick.id).responses.map((r) => r.type)).toEqual([7]);
    expect(fake.message(again.id)).toMatchObject({ content: "running again", attachments: [], components: [] });
    await expect(fake.invokeComponent({ customId: "again", messageId: again.id, user })).rejects.toThrow(
      /no component/,
    );
    expect(fake.errors).toEqual([]);
  });
});

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { loadConfig, type Config } from "../../src/shared/config.js";
import { startGateway, type Gateway } from "../../src/gateway/main.js";
import { createLogger, type Logger } from "../../src/shared/log.js";
import { startWorker, type GenerationWorker } from "../../workers/main.js";
import { FakeDiscord, type FakeMessage, type FakeUser } from "./fake-discord/index.js";
import { deletePrefix, TEST_REDIS_URL, uniquePrefix } from "./redis.js";
import { writeTestModels } from "./tiny-models.js";

/** Log lines a test can read (JSON strings, as the processes would print them). */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    done();
  }
  records(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

/** Writes the generated test models into a fresh directory. */
export async function testModels(): Promise<{ dir: string; base: string; instruct: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "bvi-models-"));
  const paths = await writeTestModels(dir);
  return { dir, ...paths, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The configuration a test bot runs with: the fake Discord, real Redis under a unique prefix, tiny models. */
export function testConfig(
  fake: FakeDiscord,
  models: { dir: string; base: string; instruct: string },
  env: Record<string, string> = {},
): Config {
  return loadConfig({
    DISCORD_TOKEN: fake.token,
    DISCORD_API_URL: fake.apiUrl,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: uniquePrefix("bot"),
    BASE_MODEL: models.base,
    INSTRUCT_MODEL: models.instruct,
    MODELS_DIR: models.dir,
    WORKER_CONCURRENCY: "2",
    LLAMA_THREADS: "1",
    MAX_NEW_TOKENS: "64",
    SYSTEM_PROMPT: "You are a helpful assistant.",
    LOG_LEVEL: "debug",
    // Tests send many requests as one user; the limits test sets its own.
    USER_COOLDOWN_SECONDS: "0",
    USER_MAX_IN_FLIGHT: "1000",
    ...env,
  });
}

export interface RunningBot {
  config: Config;
  gateway: Gateway | null;
  worker: GenerationWorker | null;
  logs: LogCapture;
  log: Logger;
  close(): Promise<void>;
}

/**
 * Starts the real gateway and/or worker in this process against the fake Discord and real Redis.
 * `close` stops them and deletes the test's Redis keys.
 */
export async function startBot(
  config: Config,
  parts: { gateway?: boolean; worker?: boolean } = {},
): Promise<RunningBot> {
  const logs = new LogCapture();
  const log = createLogger("test-bot", config.logLevel, logs);
  const worker = parts.worker === false ? null : await startWorker(config, log.child({ process: "worker" }));
  const gateway = parts.gateway === false ? null : await startGateway(config, log.child({ process: "gateway" }));
  const running: RunningBot = {
    config,
    gateway,
    worker,
    logs,
    log,
    async close() {
      // Whatever runs now: a test may have replaced the gateway.
      await running.gateway?.close();
      await running.worker?.close();
      await deletePrefix(config.redis.prefix);
    },
  };
  return running;
}

/** A fake Discord, the generated models, and the bot running against both. */
export interface TestBot {
  fake: FakeDiscord;
  bot: RunningBot;
  /** Stops the bot, then the fake, and deletes the models. */
  close(): Promise<void>;
}

/**
 * Starts a fake Discord and the bot (gateway and worker unless `parts` says otherwise) on the generated
 * models. `env` may depend on the fake, for settings that name its channels.
 */
export async function startTestBot(
  env: Record<string, string> | ((fake: FakeDiscord) => Record<string, string>) = {},
  parts: { gateway?: boolean; worker?: boolean } = {},
): Promise<TestBot> {
  const fake = await FakeDiscord.start();
  const models = await testModels();
  const bot = await startBot(testConfig(fake, models, typeof env === "function" ? env(fake) : env), parts);
  return {
    fake,
    bot,
    async close() {
      await bot.close();
      await fake.close();
      await models.cleanup();
    },
  };
}

/** `/ask` at temperature 0, as a member would send it. */
export function askCommand(fake: FakeDiscord, channelId: string, user: FakeUser | string, prompt = "hi") {
  return fake.invokeCommand({
    name: "ask",
    options: [
      { name: "prompt", value: prompt },
      { name: "temperature", value: 0 },
    ],
    channelId,
    user,
  });
}

/**
 * Whether a message carries a finished result's footer (the exact-prompts button, the votes, the chart): the last
 * side's last message, or, where that side ended well before the others, a message of its own under it.
 */
export function isFooter(message: { components: readonly unknown[] }): boolean {
  return JSON.stringify(message.components).includes('"prompts:');
}

/** Whether a message is one of a side's answer messages: its label line ("**Base model** · …") or a continuation. */
export function isAnswer(message: { content: string }): boolean {
  return /^(\*\*[^*\n]+\*\* · |-# [^\n]+, continued \(part \d+\))/.test(message.content);
}

/** The bot's answer to an interaction once it is more than "thinking…" (its reply, ephemeral or not). */
export function answerTo(fake: FakeDiscord, interactionId: string): Promise<FakeMessage> {
  return fake.waitFor(() => {
    const message = fake.interaction(interactionId).originalMessage;
    return message && !message.loading && message;
  });
}

/**
 * Presses, as `user`, the button on `message` whose custom id starts with a match of `pattern` (a regular
 * expression source, e.g. "prompts:" or "vote:\\d+:A"), and returns the bot's answer.
 */
export async function pressButton(
  fake: FakeDiscord,
  message: FakeMessage,
  pattern: string,
  user: FakeUser,
): Promise<FakeMessage> {
  const customId = JSON.stringify(message.components).match(new RegExp(`"(${pattern}[^"]*)"`))?.[1];
  if (customId === undefined) throw new Error(`no button matching ${pattern} on message ${message.id}`);
  const click = await fake.invokeComponent({ customId, messageId: message.id, user });
  return answerTo(fake, click.id);
}

/**
 * Fake Discord server for end-to-end tests: REST v10 + gateway on 127.0.0.1 that the real
 * discord.js Client and @discordjs/rest talk to.
 *
 * @example
 * const fake = await FakeDiscord.start();
 * const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
 * await client.login(fake.token);
 */
export { FakeDiscord } from "./fake-discord.js";
export { DEFAULT_RATE_LIMITS } from "./rate-limits.js";
export { Permission, DEFAULT_BOT_PERMISSIONS, DEFAULT_EVERYONE_PERMISSIONS, ALL_PERMISSIONS } from "./permissions.js";
export { ChannelType, MessageFlag } from "./serialize.js";
export { GatewayIntent } from "./messages.js";
export { PRIVILEGED_INTENTS, GatewayClose } from "./gateway-protocol.js";
export { ErrorCode } from "./api-error.js";
export type { WaitForOptions } from "./wait-for.js";
export type { CreateChannelInput, CreateGuildInput, CreateThreadInput } from "./fixtures.js";
export type {
  CommandOptionInput,
  InvokeCommandInput,
  InvokeComponentInput,
  InvokeModalSubmitInput,
} from "./interactions.js";
export type {
  FakeAttachment,
  FakeChannel,
  FakeGuild,
  FakeInteraction,
  FakeMessage,
  FakeMessageSnapshot,
  FakeUser,
  InvokedInteraction,
} from "./public-types.js";
export type {
  DispatchRecord,
  ErrorRecord,
  FakeDiscordOptions,
  FaultSpec,
  FoundMention,
  IdentifyRecord,
  InteractionResponseRecord,
  RateLimitHit,
  RateLimitOptions,
  RateLimitRule,
  RequestRecord,
  UnsafeMention,
} from "./types.js";

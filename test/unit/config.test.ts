import { describe, expect, it } from "vitest";
import { ConfigError, DEFAULT_BASE_MODEL, loadConfig, requireToken } from "../../src/shared/config.js";

const token = "x".repeat(30);

describe("loadConfig", () => {
  it("applies the documented defaults", () => {
    const config = loadConfig({});
    expect(config.redis).toEqual({ url: "redis://127.0.0.1:6379", prefix: "bvi" });
    expect(config.models.base).toBe(DEFAULT_BASE_MODEL);
    expect(config.models.dir).toBe("./models");
    expect(config.worker.maxNewTokens).toBe(256);
    expect(config.worker.concurrency).toBeUndefined();
    expect(config.discord.apiUrl).toBe("https://discord.com/api");
    expect(config.logLevel).toBe("info");
  });

  it("reads every documented variable", () => {
    const config = loadConfig({
      DISCORD_TOKEN: token,
      DISCORD_APPLICATION_ID: "123456789012345678",
      DISCORD_GUILD_ID: "223456789012345678",
      DISCORD_API_URL: "http://127.0.0.1:8080/api/",
      REDIS_URL: "redis://redis:6379/2",
      QUEUE_PREFIX: "{bvi}",
      BASE_MODEL: "/models/base.gguf",
      INSTRUCT_MODEL: "hf:owner/repo/file.gguf",
      MODELS_DIR: "/data/models",
      WORKER_CONCURRENCY: "8",
      MAX_NEW_TOKENS: "512",
      LOG_LEVEL: "debug",
    });
    expect(config.discord).toEqual({
      token,
      applicationId: "123456789012345678",
      guildId: "223456789012345678",
      apiUrl: "http://127.0.0.1:8080/api",
    });
    expect(config.redis.prefix).toBe("{bvi}");
    expect(config.worker).toMatchObject({ concurrency: 8, maxNewTokens: 512 });
    expect(config.models.instruct).toBe("hf:owner/repo/file.gguf");
  });

  it("treats empty variables as unset", () => {
    expect(loadConfig({ DISCORD_GUILD_ID: "", MAX_NEW_TOKENS: " " }).worker.maxNewTokens).toBe(256);
  });

  it("is frozen", () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.redis)).toBe(true);
  });

  it("names each invalid variable and what it expects", () => {
    let error: unknown;
    try {
      loadConfig({ WORKER_CONCURRENCY: "zero", MAX_NEW_TOKENS: "0", REDIS_URL: "localhost:6379", LOG_LEVEL: "loud" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/WORKER_CONCURRENCY: expected .*number/);
    expect(message).toMatch(/MAX_NEW_TOKENS: expected at least 1 \(got "0"\)/);
    expect(message).toMatch(/REDIS_URL: expected a redis:\/\/ or rediss:\/\/ URL/);
    expect(message).toMatch(/LOG_LEVEL: expected one of fatal, error/);
  });

  it("never echoes the token back in an error", () => {
    expect(() => loadConfig({ DISCORD_TOKEN: "short-secret" })).toThrow(/DISCORD_TOKEN: expected a bot token/);
    try {
      loadConfig({ DISCORD_TOKEN: "short-secret" });
    } catch (e) {
      expect((e as Error).message).not.toContain("short-secret");
    }
  });

  it("requireToken says which process needs the token", () => {
    expect(() => requireToken(loadConfig({}), "worker")).toThrow(/DISCORD_TOKEN.*the worker needs it/);
    expect(requireToken(loadConfig({ DISCORD_TOKEN: token }), "worker")).toBe(token);
  });
});

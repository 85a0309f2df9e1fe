/**
 * Resolves one model in a process of its own, as a second worker sharing MODELS_DIR would: its argument is JSON
 * `{ spec, directory, endpoint, lockStaleMs? }`; it logs JSON lines (pino) and a last `resolved` line with the path.
 */
import { createLogger } from "../../src/shared/log.js";
import { resolveModel } from "../../workers/engine/resolve-model.js";

const args = JSON.parse(process.argv[2] ?? "{}") as {
  spec: string;
  directory: string;
  endpoint: string;
  lockStaleMs?: number;
};
const log = createLogger("child", "debug");
try {
  const path = await resolveModel(args.spec, {
    directory: args.directory,
    huggingFaceEndpoint: args.endpoint,
    log,
    progressIntervalMs: 0,
    onProgress: (progress) => log.info(progress, "downloading model"),
    ...(args.lockStaleMs ? { lockStaleMs: args.lockStaleMs } : {}),
  });
  log.info({ path }, "resolved");
} catch (err) {
  log.error({ err }, "failed");
  process.exitCode = 1;
}

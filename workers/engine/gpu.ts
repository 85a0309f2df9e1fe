import { execFile } from "node:child_process";
import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { getLlama, type LlamaGpuType } from "node-llama-cpp";
import type { GpuSetting } from "../../src/shared/config.js";
import type { Logger } from "../../src/shared/log.js";

type ForcedGpu = Exclude<GpuSetting, "auto" | "off">;

/** The CUDA major version node-llama-cpp's prebuilt CUDA binary links against, and the driver it needs. */
const CUDA_MAJOR = 13;
const CUDA_MIN_DRIVER = 580;

const LABEL: Record<ForcedGpu, string> = { cuda: "CUDA", vulkan: "Vulkan", metal: "Metal" };

/** Thrown when the worker is configured for a GPU it cannot use; the message names the cause and the fix. */
export class GpuUnavailableError extends Error {
  override name = "GpuUnavailableError";
  constructor(message: string) {
    super(message);
    // The message says all there is to say; a stack trace would only bury it in the worker's output.
    this.stack = `${this.name}: ${message}`;
  }
}

/** `LLAMA_GPU` as node-llama-cpp's `getLlama({ gpu })` takes it. */
export function llamaGpuOption(setting: GpuSetting): "auto" | LlamaGpuType {
  return setting === "off" ? false : setting;
}

/**
 * Before any model is downloaded or loaded: when `LLAMA_GPU` names a backend, checks that node-llama-cpp can load
 * it here (its prebuilt binary, never a build from source). If it cannot, node-llama-cpp would run on the CPU
 * without a word; instead this logs one fatal line with the cause and the fix and throws a
 * {@link GpuUnavailableError}. `auto` and `off` pass without a probe.
 */
export async function requireGpu(setting: GpuSetting, log: Logger): Promise<void> {
  if (setting === "auto" || setting === "off") return;
  let loaded: LlamaGpuType = false;
  let loadError: string | null = null;
  if (setting !== "metal" || process.platform === "darwin") {
    try {
      const llama = await getLlama({ gpu: setting, build: "never", progressLogs: false, dryRun: true });
      loaded = llama.gpu;
    } catch (error) {
      loadError = error instanceof Error ? error.message : String(error);
    }
  }
  if (loaded === setting) return;
  await refuse(setting, loadError, log);
}

/**
 * After loading: a worker told to use a GPU that ended up on another backend refuses (as {@link requireGpu});
 * with `auto`, a worker on the CPU while an NVIDIA driver is present says why, as a warning.
 */
export async function checkBackend(setting: GpuSetting, backend: string, log: Logger): Promise<void> {
  if (setting === "off") return;
  if (setting !== "auto") {
    if (backend !== setting) await refuse(setting, `node-llama-cpp loaded ${backend}`, log);
    return;
  }
  if (backend !== "cpu") return;
  const driver = await nvidiaDriverVersion();
  if (driver === null) return;
  const { cause, fix } = await diagnose("cuda", null);
  log.warn(
    { gpu: setting, backend, driver, cause, fix },
    `an NVIDIA driver (${driver}) is present but the worker runs on the CPU: ${cause}. Fix: ${fix}. ` +
      "Set LLAMA_GPU=cuda to refuse to start on the CPU instead.",
  );
}

async function refuse(setting: ForcedGpu, loadError: string | null, log: Logger): Promise<never> {
  const { cause, fix } = await diagnose(setting, loadError);
  const message =
    `LLAMA_GPU=${setting}, but ${LABEL[setting]} cannot be used here, so the worker does not start rather than ` +
    `run on the CPU: ${cause}. Fix: ${fix}.`;
  log.fatal({ gpu: setting, cause, fix, ...(loadError ? { loadError } : {}) }, message);
  throw new GpuUnavailableError(message);
}

/** Why a backend does not load here, as far as the machine tells, and what to do about it. */
async function diagnose(setting: ForcedGpu, loadError: string | null): Promise<{ cause: string; fix: string }> {
  const other = "or, to run on the CPU, set LLAMA_GPU=off (docker-compose.cpu.yml does)";
  if (setting === "metal") {
    return process.platform === "darwin"
      ? { cause: "node-llama-cpp could not load its Metal backend", fix: "run `npx --no node-llama-cpp inspect gpu`" }
      : { cause: "Metal exists only on macOS", fix: `use LLAMA_GPU=cuda or vulkan for this machine's GPU, ${other}` };
  }
  if (setting === "vulkan") {
    const libs = await findLibraries(["libvulkan.so.1"]);
    return libs.has("libvulkan.so.1")
      ? {
          cause: "node-llama-cpp found no usable Vulkan device",
          fix: `check \`vulkaninfo --summary\` and \`npx --no node-llama-cpp inspect gpu\` in the worker's environment, ${other}`,
        }
      : {
          cause: "the Vulkan loader (libvulkan.so.1) is missing",
          fix: `install libvulkan1 and the GPU's Vulkan driver (mesa-vulkan-drivers, or the NVIDIA driver's), ${other}`,
        };
  }
  const driver = await nvidiaDriverVersion();
  const libs = await findLibraries([
    "libcuda.so.1",
    `libcudart.so.${CUDA_MAJOR}`,
    `libcublas.so.${CUDA_MAJOR}`,
    `libcudart.so.${CUDA_MAJOR - 1}`,
    `libcublas.so.${CUDA_MAJOR - 1}`,
  ]);
  if (driver === null && !libs.has("libcuda.so.1")) {
    return {
      cause: "no NVIDIA driver is visible to this process (no /proc/driver/nvidia/version, no libcuda.so.1)",
      fix:
        `install the NVIDIA driver (${CUDA_MIN_DRIVER} or newer) on the host and give the container the GPU ` +
        "(the NVIDIA Container Toolkit, and the worker's GPU reservation in docker-compose.yml or " +
        `\`docker run --gpus all\`), ${other}`,
    };
  }
  if (!libs.has("libcuda.so.1")) {
    return {
      cause: `the NVIDIA kernel driver ${driver} is loaded, but its library libcuda.so.1 is not visible`,
      fix: `start the container through the NVIDIA Container Toolkit (it mounts libcuda.so.1), or install the driver's user-space libraries for ${driver}`,
    };
  }
  const runtime = (major: number) => libs.has(`libcudart.so.${major}`) && libs.has(`libcublas.so.${major}`);
  if (!runtime(CUDA_MAJOR) && !runtime(CUDA_MAJOR - 1)) {
    return {
      cause: `the CUDA runtime is missing (libcudart.so.${CUDA_MAJOR} and libcublas.so.${CUDA_MAJOR}, which node-llama-cpp's CUDA build links against)`,
      fix: `run the worker from the gpu image (Dockerfile target gpu, on nvidia/cuda ${CUDA_MAJOR} runtime), or install the CUDA ${CUDA_MAJOR} runtime libraries where the loader finds them`,
    };
  }
  const major = driver === null ? null : Number.parseInt(driver, 10);
  if (major !== null && major < CUDA_MIN_DRIVER && !runtime(CUDA_MAJOR - 1)) {
    return {
      cause: `the NVIDIA driver is ${driver}, and the CUDA ${CUDA_MAJOR} runtime needs ${CUDA_MIN_DRIVER} or newer`,
      fix: `update the host's NVIDIA driver to ${CUDA_MIN_DRIVER} or newer, ${other}`,
    };
  }
  return {
    cause:
      `node-llama-cpp could not use its CUDA backend although a driver (${driver ?? "version unknown"}) and the ` +
      `CUDA runtime were found${loadError ? ` (${loadError})` : ""}`,
    fix: "run `npx --no node-llama-cpp inspect gpu` in the worker's environment to see why",
  };
}

/** The loaded NVIDIA kernel driver's version ("580.82.07"), or null when there is none. */
async function nvidiaDriverVersion(): Promise<string | null> {
  try {
    const text = await readFile("/proc/driver/nvidia/version", "utf8");
    return /\b(\d{3,}\.\d+(?:\.\d+)?)\b/.exec(text)?.[1] ?? "unknown";
  } catch {
    return null;
  }
}

const LIBRARY_DIRS = [
  "/usr/local/nvidia/lib64",
  "/usr/local/nvidia/lib",
  "/usr/local/cuda/lib64",
  "/usr/lib/x86_64-linux-gnu",
  "/usr/lib/aarch64-linux-gnu",
  "/usr/lib64",
  "/usr/lib",
];

/** Which of `names` the dynamic loader can find: its cache (`ldconfig -p`), then the usual directories. */
async function findLibraries(names: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const ldconfig of ["/sbin/ldconfig", "/usr/sbin/ldconfig"]) {
    try {
      const { stdout } = await promisify(execFile)(ldconfig, ["-p"], { timeout: 5_000, maxBuffer: 16 * 1024 * 1024 });
      for (const name of names) if (stdout.includes(`\t${name} (`)) found.add(name);
      break;
    } catch {
      // Not this path, or no ldconfig (macOS): the directories below.
    }
  }
  for (const name of names.filter((n) => !found.has(n))) {
    for (const dir of LIBRARY_DIRS) {
      if (
        await access(join(dir, name)).then(
          () => true,
          () => false,
        )
      ) {
        found.add(name);
        break;
      }
    }
  }
  return found;
}

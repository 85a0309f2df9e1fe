import { readFile } from "node:fs/promises";
import { cpus, release, totalmem, type as osType } from "node:os";
import { join } from "node:path";

/** The machine and software a run measured. */
export interface MachineInfo {
  os: string;
  cpuCount: number;
  cpuModel: string;
  totalMemoryMiB: number;
  node: string;
  nodeLlamaCpp: string;
}

/** Describes this machine; the node-llama-cpp version is read from `root`'s node_modules. */
export async function machineInfo(root: string): Promise<MachineInfo> {
  const pkg = await readFile(join(root, "node_modules", "node-llama-cpp", "package.json"), "utf8")
    .then((text) => (JSON.parse(text) as { version?: string }).version ?? "unknown")
    .catch(() => "unknown");
  const list = cpus();
  return {
    os: `${osType()} ${release()}`,
    cpuCount: list.length,
    cpuModel: list[0]?.model.trim() ?? "unknown",
    totalMemoryMiB: Math.round(totalmem() / 2 ** 20),
    node: process.version,
    nodeLlamaCpp: pkg,
  };
}

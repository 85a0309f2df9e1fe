import type { APIEmbed, APIEmbedField } from "discord.js";
import type { ModelInfo } from "../shared/model-info.js";
import type { WorkerInfo } from "../shared/store/worker-registry.js";
import { oneLine } from "../shared/labels.js";

const BACKENDS: Record<string, string> = { cuda: "CUDA", vulkan: "Vulkan", metal: "Metal", cpu: "CPU" };

/** "CUDA", "Vulkan", "Metal" or "CPU". */
export function backendName(backend: string): string {
  return BACKENDS[backend] ?? backend;
}

function size(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function modelLine(role: "base" | "instruct", model: ModelInfo): string {
  const template =
    model.chatTemplate === null
      ? "no chat template in the file"
      : role === "base"
        ? `chat template in the file: ${model.chatTemplate} (not used: the base side is raw)`
        : `chat template: ${model.chatTemplate}`;
  const params = model.parameters ? ` · ${model.parameters} parameters` : "";
  return [
    `**${role === "base" ? "Base" : "Instruct"}** \`${oneLine(model.name, 80).replace(/`/g, "'")}\``,
    `-# ${size(model.sizeBytes)} · ${model.quantization}${params} · context ${model.contextSize} tokens (trained on ${model.trainContextSize})`,
    `-# ${template}`,
  ].join("\n");
}

/**
 * What `/models` shows: each loaded pair (workers with the same two files form one), its models, and the
 * workers serving it with their backend; then the queue.
 */
export function renderModels(workers: readonly WorkerInfo[], queue: { waiting: number; active: number }): APIEmbed[] {
  const queueLine = `**Queue** ${queue.waiting} waiting · ${queue.active} generating`;
  if (workers.length === 0) {
    return [
      {
        title: "Models",
        description: `No worker is online right now, so no model is loaded. Requests wait in the queue until a worker starts.\n${queueLine}`,
      },
    ];
  }
  const pairs = new Map<string, WorkerInfo[]>();
  for (const worker of workers) {
    const key = `${worker.models.base.file}\n${worker.models.instruct.file}`;
    pairs.set(key, [...(pairs.get(key) ?? []), worker]);
  }
  return [...pairs.values()].slice(0, 9).map((group, index, all) => {
    const first = group[0] as WorkerInfo;
    const slots = group.reduce((sum, w) => sum + w.sequences, 0);
    const fields: APIEmbedField[] = group.slice(0, 20).map((w) => ({
      name: oneLine(w.host, 256),
      value: `${backendName(w.backend)} · ${w.sequences} at once · up since <t:${Math.floor(w.startedAt / 1000)}:R>`,
      inline: true,
    }));
    return {
      title: all.length > 1 ? `Model pair ${index + 1}` : "Models",
      description: [
        modelLine("base", first.models.base),
        modelLine("instruct", first.models.instruct),
        `**Workers online** ${group.length} · ${slots} requests at once in all`,
        ...(index === all.length - 1 ? [queueLine] : []),
      ].join("\n"),
      fields,
    };
  });
}

import type { APIEmbed } from "discord.js";
import type { JobKind, Sampling } from "../jobs.js";
import { kindTitle, oneLine } from "./labels.js";
import type { Placement } from "./placement.js";

export interface HeaderView {
  kind: JobKind;
  prompt: string;
  requester: string;
  models: { base: string; instruct: string };
  sampling: Sampling;
  waiting: number;
  placement: Placement;
}

const COLOR = { compare: 0x5865f2, ask: 0x57f287, complete: 0xfee75c } as const;

/** The public reply to a request: who asked, the prompt, the model(s), the sampling, the queue. */
export function renderHeader(view: HeaderView): APIEmbed {
  const models =
    view.kind === "compare"
      ? `base \`${oneLine(view.models.base, 100)}\`\ninstruct \`${oneLine(view.models.instruct, 100)}\``
      : `\`${oneLine(view.kind === "ask" ? view.models.instruct : view.models.base, 100)}\``;
  const { temperature, maxTokens, seed } = view.sampling;
  const sampling = `temperature ${temperature} · up to ${maxTokens} tokens · seed ${seed}${view.kind === "compare" ? "\n(same for both sides)" : ""}`;
  const queue = view.waiting === 0 ? "starting now" : `${view.waiting} request${view.waiting === 1 ? "" : "s"} ahead`;
  const where =
    view.placement.mode === "thread" ? "The answer streams into the thread below." : "The answer streams in below.";
  return {
    title: kindTitle(view.kind),
    color: COLOR[view.kind],
    author: { name: oneLine(`${view.requester} asked`, 256) },
    description: view.prompt,
    fields: [
      { name: view.kind === "compare" ? "Models" : "Model", value: models, inline: true },
      { name: "Sampling", value: sampling, inline: true },
      { name: "Queue", value: queue, inline: true },
    ],
    footer: { text: where },
  };
}

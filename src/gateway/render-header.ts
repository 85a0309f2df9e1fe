import type { APIEmbed } from "discord.js";
import type { JobKind, Sampling } from "../shared/jobs.js";
import { kindTitle, oneLine } from "../shared/labels.js";
import type { Placement } from "./placement.js";

export interface HeaderView {
  kind: JobKind;
  prompt: string;
  requester: string;
  models: { base: string; instruct: string };
  sampling: Sampling;
  waiting: number;
  placement: Placement;
  /** compare: the 2x2 matrix instead of the pair. */
  matrix?: boolean;
  /** compare: model names hidden until a member votes. */
  blind?: boolean;
  /** complete: wrapped in the few-shot scaffold. */
  fewShot?: boolean;
  /** ask in a conversation thread: how many earlier turns the model is given, and how many were left out. */
  conversation?: { turns: number; omitted: number };
}

const COLOR = { compare: 0x5865f2, ask: 0x57f287, complete: 0xfee75c } as const;

/** The public reply to a request: who asked, the prompt, the model(s), the sampling, the queue. */
export function renderHeader(view: HeaderView): APIEmbed {
  const models = view.blind
    ? "Model A and Model B: which is which shows after you vote"
    : view.kind === "compare"
      ? `base \`${oneLine(view.models.base, 100)}\`\ninstruct \`${oneLine(view.models.instruct, 100)}\``
      : `\`${oneLine(view.kind === "ask" ? view.models.instruct : view.models.base, 100)}\``;
  const { temperature, maxTokens, seed } = view.sampling;
  const sampling = `temperature ${temperature} · up to ${maxTokens} tokens · seed ${seed}${view.kind === "compare" ? "\n(same for both sides)" : ""}`;
  const queue = view.waiting === 0 ? "starting now" : `${view.waiting} request${view.waiting === 1 ? "" : "s"} ahead`;
  const where =
    view.placement.mode === "thread" ? "The answer streams into the thread below." : "The answer streams in below.";
  const fields = [
    { name: view.kind === "compare" ? "Models" : "Model", value: models, inline: true },
    { name: "Sampling", value: sampling, inline: true },
    { name: "Queue", value: queue, inline: true },
  ];
  const how = howText(view);
  if (how !== null) fields.push({ name: "How", value: how, inline: false });
  return {
    title: kindTitle(view.kind, view.matrix === true),
    color: COLOR[view.kind],
    author: { name: oneLine(`${view.requester} asked`, 256) },
    description: view.prompt,
    fields,
    footer: { text: where },
  };
}

/** What is special about this request, in a sentence, or null when nothing is. */
function howText(view: HeaderView): string | null {
  if (view.matrix) {
    return "Four runs: the base model raw and with the instruct model's chat template, the instruct model raw and with its template. Template versus training, side by side.";
  }
  if (view.blind)
    return "Blind: the two answers are shuffled and named A and B. Vote under them to see which model wrote which.";
  if (view.fewShot) {
    return "Few-shot: your text is wrapped in a short Q:/A: scaffold and the base model stops at the next Q:. A base model can be prompted into answering.";
  }
  if (view.conversation) {
    const { turns, omitted } = view.conversation;
    const left = omitted > 0 ? ` (the ${omitted} earliest left out: too long to carry)` : "";
    return `Continues the conversation in this thread: the model is given the ${turns} earlier turn${turns === 1 ? "" : "s"}${left}.`;
  }
  return null;
}

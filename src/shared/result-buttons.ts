import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent } from "discord.js";
import type { Side } from "./jobs.js";
import type { VoteChoice } from "./preferences/types.js";
import { sideLabel } from "./labels.js";

/** What a button under a result asks for; its id carries the interaction id the job is named after. */
export type ResultButton =
  { action: "prompts"; interactionId: string } | { action: "vote"; interactionId: string; choice: VoteChoice };

type Style = ButtonStyle.Primary | ButtonStyle.Secondary;

const VOTES: readonly { choice: VoteChoice; style: Style }[] = [
  { choice: "A", style: ButtonStyle.Primary },
  { choice: "B", style: ButtonStyle.Primary },
  { choice: "tie", style: ButtonStyle.Secondary },
  { choice: "bothBad", style: ButtonStyle.Secondary },
];

/** What the two answers are called where members see them: A and B when blind, else the sides' labels. */
export function voteNames(blind: boolean, order: readonly Side[]): [string, string] {
  const [a, b] = order;
  if (blind || a === undefined || b === undefined) return ["A", "B"];
  return [sideLabel(a), sideLabel(b)];
}

/**
 * How a vote reads, on its button and in replies. `names` are what the two answers are called where the
 * members see them: "A" and "B" in a blind comparison, else the sides' labels ("Base model"…).
 */
export function voteText(choice: VoteChoice, names: readonly [string, string] = ["A", "B"]): string {
  switch (choice) {
    case "A":
      return `${names[0]} is better`;
    case "B":
      return `${names[1]} is better`;
    case "tie":
      return "Tie";
    case "bothBad":
      return "Both bad";
  }
}

const button = (custom_id: string, label: string, style: Style): APIButtonComponent => ({
  type: ComponentType.Button,
  style,
  label,
  custom_id,
});

/** The buttons under a finished result: the exact prompts, and for a comparison the four votes. */
export function resultButtonRows(
  interactionId: string,
  votable: boolean,
  names: readonly [string, string] = ["A", "B"],
): APIActionRowComponent<APIButtonComponent>[] {
  const rows: APIActionRowComponent<APIButtonComponent>[] = [];
  if (votable) {
    rows.push({
      type: ComponentType.ActionRow,
      components: VOTES.map((v) => button(`vote:${interactionId}:${v.choice}`, voteText(v.choice, names), v.style)),
    });
  }
  rows.push({
    type: ComponentType.ActionRow,
    components: [button(`prompts:${interactionId}`, "Show the exact prompts", ButtonStyle.Secondary)],
  });
  return rows;
}

/** The request a result button refers to, or null for any other button. */
export function parseResultButton(customId: string): ResultButton | null {
  const prompts = /^prompts:(\d+)$/.exec(customId);
  if (prompts?.[1] !== undefined) return { action: "prompts", interactionId: prompts[1] };
  const vote = /^vote:(\d+):(A|B|tie|bothBad)$/.exec(customId);
  if (vote?.[1] !== undefined && vote[2] !== undefined) {
    return { action: "vote", interactionId: vote[1], choice: vote[2] as VoteChoice };
  }
  return null;
}

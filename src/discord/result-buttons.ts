import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent } from "discord.js";
import type { VoteChoice } from "../preferences/types.js";

/** What a button under a result asks for; its id carries the interaction id the job is named after. */
export type ResultButton =
  { action: "prompts"; interactionId: string } | { action: "vote"; interactionId: string; choice: VoteChoice };

type Style = ButtonStyle.Primary | ButtonStyle.Secondary;

const VOTES: readonly { choice: VoteChoice; label: string; style: Style }[] = [
  { choice: "A", label: "A is better", style: ButtonStyle.Primary },
  { choice: "B", label: "B is better", style: ButtonStyle.Primary },
  { choice: "tie", label: "Tie", style: ButtonStyle.Secondary },
  { choice: "bothBad", label: "Both bad", style: ButtonStyle.Secondary },
];

/** How a vote reads, for replies. */
export function voteText(choice: VoteChoice): string {
  return VOTES.find((v) => v.choice === choice)?.label ?? choice;
}

const button = (custom_id: string, label: string, style: Style): APIButtonComponent => ({
  type: ComponentType.Button,
  style,
  label,
  custom_id,
});

/** The buttons under a finished result: the exact prompts, and for a comparison the four votes. */
export function resultButtonRows(interactionId: string, votable: boolean): APIActionRowComponent<APIButtonComponent>[] {
  const rows: APIActionRowComponent<APIButtonComponent>[] = [];
  if (votable) {
    rows.push({
      type: ComponentType.ActionRow,
      components: VOTES.map((v) => button(`vote:${interactionId}:${v.choice}`, v.label, v.style)),
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

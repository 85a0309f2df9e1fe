import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent } from "discord.js";

const PREFIX = "stop:";

/** The Stop button under a request's header; its id carries the interaction id the job is named after. */
export function stopButtonRow(interactionId: string): APIActionRowComponent<APIButtonComponent> {
  return {
    type: ComponentType.ActionRow,
    components: [
      { type: ComponentType.Button, style: ButtonStyle.Danger, label: "Stop", custom_id: `${PREFIX}${interactionId}` },
    ],
  };
}

/** The interaction id a Stop button refers to, or null for any other button. */
export function stopButtonTarget(customId: string): string | null {
  return customId.startsWith(PREFIX) && /^\d+$/.test(customId.slice(PREFIX.length))
    ? customId.slice(PREFIX.length)
    : null;
}

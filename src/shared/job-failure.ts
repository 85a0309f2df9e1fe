/**
 * How a job that failed for good says why, in its BullMQ failedReason, so that the gateway can tell the member
 * in the request's header: "discord <status>/<code>: <message>" when Discord refused the answer's place.
 */
export function discordRefusalReason(status: number, code: number | string, message: string): string {
  return `discord ${status}/${code}: ${message}`;
}

/** A failedReason read back: Discord's refusal, or anything else. */
export type JobFailure = { kind: "discord"; status: number; code: number } | { kind: "other" };

export function parseFailure(reason: string | undefined): JobFailure {
  const match = /^discord (\d{3})\/(\d+): /.exec(reason ?? "");
  if (!match) return { kind: "other" };
  return { kind: "discord", status: Number(match[1]), code: Number(match[2]) };
}

/** Why a request failed, in words a member understands (for its header, and its messages where they remain). */
export function failureText(failure: JobFailure, inDm: boolean): string {
  if (failure.kind === "other") {
    return "This request failed; the answer below says why, with an error id for an admin.";
  }
  switch (failure.code) {
    case 50007:
      return "I could not post the answer: Discord does not let me send you messages here (your privacy settings may block messages from apps). Try the command in a server channel.";
    case 10003:
      return "The thread for this answer was deleted before the answer was finished.";
    case 10008:
      return "A message of this answer was deleted before the answer was finished, so it was stopped.";
    case 50083:
    case 160005:
      return "The thread was archived or locked before the answer was finished.";
    default:
      if (failure.status === 403) {
        return inDm
          ? "I could not post the answer in this conversation: Discord refused (missing access). Try the command in a server channel."
          : "I could not post the answer: I no longer have permission to post here. An admin can check that I may View Channel, Send Messages and Send Messages in Threads.";
      }
      return "I could not post the answer: Discord refused it. If it keeps happening, tell an admin.";
  }
}

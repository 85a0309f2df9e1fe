import { randomBytes } from "node:crypto";

/** An error whose message is safe and useful to show the user who caused it. */
export class UserError extends Error {
  override name = "UserError";
}

/**
 * A user error that only its member should read, even where the command's reply is already public ("thinking…"):
 * the reply goes, and the text comes privately instead.
 */
export class PrivateRefusal extends UserError {
  override name = "PrivateRefusal";
}

/** A short id that ties what a user is shown to the matching log record. */
export function newErrorId(): string {
  return randomBytes(4).toString("hex");
}

/** The text a user sees for an unexpected failure: short, no internals, with the error id. */
export function internalErrorText(errorId: string): string {
  return `Something went wrong on our side. If it keeps happening, tell an admin the error id \`${errorId}\`.`;
}

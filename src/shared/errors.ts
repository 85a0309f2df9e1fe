import { randomBytes } from "node:crypto";

/** An error whose message is safe and useful to show the user who caused it. */
export class UserError extends Error {
  override name = "UserError";
}

/** A short id that ties what a user is shown to the matching log record. */
export function newErrorId(): string {
  return randomBytes(4).toString("hex");
}

/** The text a user sees for an unexpected failure: short, no internals, with the error id. */
export function internalErrorText(errorId: string): string {
  return `Something went wrong on our side. If it keeps happening, tell an admin the error id \`${errorId}\`.`;
}

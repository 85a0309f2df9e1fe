/** Discord JSON error codes used by the fake (names follow discord-api-types' RESTJSONErrorCodes). */
export const ErrorCode = {
  General: 0,
  UnknownApplication: 10002,
  UnknownChannel: 10003,
  UnknownGuild: 10004,
  UnknownMember: 10007,
  UnknownMessage: 10008,
  UnknownUser: 10013,
  UnknownWebhook: 10015,
  UnknownInteraction: 10062,
  UnknownApplicationCommand: 10063,
  RequestEntityTooLarge: 40005,
  InteractionHasAlreadyBeenAcknowledged: 40060,
  MissingAccess: 50001,
  CannotEditMessageAuthoredByAnotherUser: 50005,
  CannotSendAnEmptyMessage: 50006,
  CannotSendMessagesInNonTextChannel: 50008,
  MissingPermissions: 50013,
  CannotExecuteActionOnThisChannelType: 50024,
  InvalidWebhookToken: 50027,
  InvalidFormBody: 50035,
  InvalidActionOnArchivedThread: 50083,
  InvalidJSON: 50109,
  CannotReplyWithoutReadMessageHistory: 160002,
  ThreadAlreadyCreatedForMessage: 160004,
  CannotSendMessagesToThisUser: 50007,
  SlowmodeRateLimit: 20016,
  ThreadLocked: 160005,
  MaximumActiveThreads: 160006,
} as const;

export interface FieldError {
  code: string;
  message: string;
}

/** An error response: HTTP status plus Discord's `{ code, message, errors? }` body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: Record<string, unknown>,
    /** For a 429: seconds to wait. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    const retry = this.retryAfter === undefined ? {} : { retry_after: this.retryAfter, global: false };
    return this.errors === undefined
      ? { message: this.message, code: this.code, ...retry }
      : { message: this.message, code: this.code, errors: this.errors, ...retry };
  }
}

/** Collects field errors into Discord's nested `errors` shape (`{ a: { 0: { b: { _errors: [...] } } } }`). */
export class FormErrors {
  private readonly root: Record<string, unknown> = {};
  private count = 0;

  add(path: ReadonlyArray<string | number>, code: string, message: string): void {
    let node = this.root;
    for (const key of path) {
      const k = String(key);
      const next = (node[k] as Record<string, unknown> | undefined) ?? {};
      node[k] = next;
      node = next;
    }
    const list = (node["_errors"] as FieldError[] | undefined) ?? [];
    list.push({ code, message });
    node["_errors"] = list;
    this.count += 1;
  }

  maxLength(path: ReadonlyArray<string | number>, max: number): void {
    this.add(path, "BASE_TYPE_MAX_LENGTH", `Must be ${max} or fewer in length.`);
  }

  badLength(path: ReadonlyArray<string | number>, min: number, max: number): void {
    this.add(path, "BASE_TYPE_BAD_LENGTH", `Must be between ${min} and ${max} in length.`);
  }

  required(path: ReadonlyArray<string | number>): void {
    this.add(path, "BASE_TYPE_REQUIRED", "This field is required");
  }

  get empty(): boolean {
    return this.count === 0;
  }

  /** Throws 400 50035 "Invalid Form Body" when any error was added. */
  throwIfAny(): void {
    if (!this.empty) throw new ApiError(400, ErrorCode.InvalidFormBody, "Invalid Form Body", this.root);
  }
}

export const errors = {
  unauthorized: () => new ApiError(401, 0, "401: Unauthorized"),
  notFound: () => new ApiError(404, 0, "404: Not Found"),
  methodNotAllowed: () => new ApiError(405, 0, "405: Method Not Allowed"),
  unknownChannel: () => new ApiError(404, ErrorCode.UnknownChannel, "Unknown Channel"),
  unknownGuild: () => new ApiError(404, ErrorCode.UnknownGuild, "Unknown Guild"),
  unknownMember: () => new ApiError(404, ErrorCode.UnknownMember, "Unknown Member"),
  unknownMessage: () => new ApiError(404, ErrorCode.UnknownMessage, "Unknown Message"),
  unknownUser: () => new ApiError(404, ErrorCode.UnknownUser, "Unknown User"),
  unknownWebhook: () => new ApiError(404, ErrorCode.UnknownWebhook, "Unknown Webhook"),
  unknownApplication: () => new ApiError(404, ErrorCode.UnknownApplication, "Unknown Application"),
  unknownCommand: () => new ApiError(404, ErrorCode.UnknownApplicationCommand, "Unknown application command"),
  unknownInteraction: () => new ApiError(404, ErrorCode.UnknownInteraction, "Unknown interaction"),
  alreadyAcknowledged: () =>
    new ApiError(400, ErrorCode.InteractionHasAlreadyBeenAcknowledged, "Interaction has already been acknowledged."),
  invalidWebhookToken: () => new ApiError(401, ErrorCode.InvalidWebhookToken, "Invalid Webhook Token"),
  missingAccess: () => new ApiError(403, ErrorCode.MissingAccess, "Missing Access"),
  missingPermissions: () => new ApiError(403, ErrorCode.MissingPermissions, "Missing Permissions"),
  emptyMessage: () => new ApiError(400, ErrorCode.CannotSendAnEmptyMessage, "Cannot send an empty message"),
  wrongChannelType: () =>
    new ApiError(400, ErrorCode.CannotExecuteActionOnThisChannelType, "Cannot execute action on this channel type"),
  archivedThread: () => new ApiError(400, ErrorCode.InvalidActionOnArchivedThread, "Thread is archived"),
  threadLocked: () => new ApiError(403, ErrorCode.ThreadLocked, "Thread is locked"),
  tooManyThreads: () => new ApiError(400, ErrorCode.MaximumActiveThreads, "Maximum number of active threads reached"),
  cannotMessageUser: () =>
    new ApiError(403, ErrorCode.CannotSendMessagesToThisUser, "Cannot send messages to this user"),
  /** A send within the channel's slowmode: a 429 with Discord's slowmode code and how long to wait. */
  slowmode: (retryAfter: number) =>
    new ApiError(
      429,
      ErrorCode.SlowmodeRateLimit,
      "This action cannot be performed due to slowmode rate limit.",
      undefined,
      retryAfter,
    ),
  threadExists: () =>
    new ApiError(400, ErrorCode.ThreadAlreadyCreatedForMessage, "A thread has already been created for this message"),
  notAuthor: () =>
    new ApiError(
      403,
      ErrorCode.CannotEditMessageAuthoredByAnotherUser,
      "Cannot edit a message authored by another user",
    ),
  nonTextChannel: () =>
    new ApiError(400, ErrorCode.CannotSendMessagesInNonTextChannel, "Cannot send messages in a non-text channel"),
  entityTooLarge: () => new ApiError(413, ErrorCode.RequestEntityTooLarge, "Request entity too large"),
  invalidJson: () => new ApiError(400, ErrorCode.InvalidJSON, "The request body contains invalid JSON."),
  replyNeedsHistory: () =>
    new ApiError(
      400,
      ErrorCode.CannotReplyWithoutReadMessageHistory,
      "Cannot reply without permission to read message history",
    ),
} as const;

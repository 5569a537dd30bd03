/**
 * Errors a user (or the person who deploys) can cause. Each carries a message that
 * is safe to show in Slack as it is; anything that is not an `AppError` is a bug
 * or an outage and is answered with an apology and an error id instead.
 */
export abstract class AppError extends Error {
  /** Stable code, for logs and tests. */
  abstract readonly code: string;

  constructor(
    /** Shown to the Slack user verbatim: says what is wrong and what to do. */
    readonly userMessage: string,
    options?: { cause?: unknown },
  ) {
    super(userMessage, options);
    this.name = new.target.name;
  }
}

/** The command text could not be read; the message includes the usage. */
export class UsageError extends AppError {
  readonly code = 'usage';
}

/** The user or channel is not on the allowlist. */
export class NotAllowedError extends AppError {
  readonly code = 'not_allowed';
}

/** A seat request the roster cannot satisfy (unknown person, missing email, too many seats). */
export class RosterError extends AppError {
  readonly code = 'roster';
}

/** The team stack is in a state that does not allow the command (already running, nothing to stop…). */
export class StackStateError extends AppError {
  readonly code = 'stack_state';
}

/** CloudFormation refused a request for a reason the user can act on (permissions, limits, validation). */
export class StackRequestError extends AppError {
  readonly code = 'stack_request';

  constructor(
    userMessage: string,
    readonly awsErrorName: string,
    readonly awsRequestId: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(userMessage, options);
  }
}

/** The developers' saved work cannot be used as asked (a failed or missing snapshot, one still being saved, EC2 refusing). */
export class WorkError extends AppError {
  readonly code = 'work';
}

/** AWS did not answer in time for Slack's 3 seconds: nothing the user did wrong, but trying again is what they can do. */
export class ServiceTimeoutError extends AppError {
  readonly code = 'service_timeout';
}

/** A setting is missing or wrong. Thrown at cold start, so the function fails before it answers anyone. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`team-ide is misconfigured:\n${problems.map((problem) => `- ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

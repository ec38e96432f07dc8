// Why this file exists: bad input to a query or to configuration is a programming error of the
// caller, reported as a typed exception with a stable code; bad commands never throw (they become
// `rejected` events, see codes.ts).

/** Invalid engine or instrument configuration. The message names the option and the rule. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export type EngineErrorCode = 'UNKNOWN_SYMBOL' | 'INVALID_ARGUMENT' | 'CORRUPT_SNAPSHOT';

/** A query or restore that cannot be answered; `code` is stable, the message is for people. */
export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(
    readonly code: EngineErrorCode,
    message: string,
  ) {
    super(message);
  }
}

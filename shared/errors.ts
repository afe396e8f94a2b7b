/** Base of every error the connector raises on purpose; anything else is a bug. */
export class ConnectorError extends Error {
  override name = 'ConnectorError';
}

/** Environment, CDK context, event or secret content is invalid. Raised before any network call. */
export class ConfigError extends ConnectorError {
  override name = 'ConfigError';
}

export type Service = 'okta' | 'elimity' | 's3' | 'secrets' | 'snapshot';

/** A call to an upstream failed (after retries, where retrying made sense). */
export class UpstreamError extends ConnectorError {
  override name = 'UpstreamError';
  readonly service: Service;
  readonly operation: string;
  readonly status: number | undefined;

  constructor(
    service: Service,
    operation: string,
    detail: string,
    options: { status?: number; cause?: unknown } = {},
  ) {
    super(`${service}: ${operation}: ${detail}`, { cause: options.cause });
    this.service = service;
    this.operation = operation;
    this.status = options.status;
  }
}

/** A response arrived but its content breaks the shape we rely on (not a transport failure). */
export class DataError extends ConnectorError {
  override name = 'DataError';
  readonly where: string;

  constructor(where: string, detail: string) {
    super(`${where}: ${detail}`);
    this.where = where;
  }
}

/** One line, no stack, safe to print: the message of our own errors, a generic text for bugs. */
export function describeError(error: unknown): string {
  if (error instanceof ConnectorError) return error.message;
  if (error instanceof Error) return `unexpected ${error.name}: ${error.message}`;
  return `unexpected error: ${String(error)}`;
}

/** A safety guard refused to post (mass deletion, missing entity types, an incomplete snapshot). */
export class GuardError extends ConnectorError {
  override name = 'GuardError';
}

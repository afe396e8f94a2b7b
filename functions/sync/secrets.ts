import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SECRET_PLACEHOLDER_KEY } from '../../shared/config';
import { ConfigError, UpstreamError } from '../../shared/errors';

/** Reads one token: `secretId` is a name or ARN, `what` names it in errors ("Okta API token"). */
export type SecretReader = (secretId: string, what: string) => Promise<string>;

/** Warm containers reuse a token this long, so a rotated secret is picked up within minutes. */
export const DEFAULT_SECRET_TTL_MS = 5 * 60_000;

const EXPECTED = `the token as plain text or JSON {"token":"…"}`;

// Messages name the secret id and the expected shape, never the value (or a parser message,
// which would quote it).
function tokenFrom(secretId: string, what: string, raw: string | undefined): string {
  if (raw === undefined) {
    throw new ConfigError(`${what} secret ${secretId} has no string value; expected ${EXPECTED}`);
  }
  const text = raw.trim();
  if (text === '')
    throw new ConfigError(`${what} secret ${secretId} is empty; expected ${EXPECTED}`);
  if (!text.startsWith('{')) return text;

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError(
      `${what} secret ${secretId} starts with '{' but is not valid JSON; expected ${EXPECTED}`,
    );
  }
  const object = (typeof value === 'object' && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  if (object[SECRET_PLACEHOLDER_KEY] === true) {
    throw new ConfigError(
      `${what} secret ${secretId} still holds the placeholder the stack created; set it with: ` +
        `aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string '{"token":"…"}'`,
    );
  }
  const token = object.token ?? object.apiToken;
  if (typeof token !== 'string' || token.trim() === '') {
    throw new ConfigError(
      `${what} secret ${secretId} is JSON without a non-empty "token" (or "apiToken") field; expected ${EXPECTED}`,
    );
  }
  return token.trim();
}

function failure(secretId: string, what: string, error: unknown): Error {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const name = e.name ?? 'Error';
  if (name === 'ResourceNotFoundException') {
    return new ConfigError(
      `${what} secret ${secretId} not found (check the name or ARN and the region)`,
    );
  }
  const status = e.$metadata?.httpStatusCode;
  return new UpstreamError(
    'secrets',
    `read ${what} secret`,
    `${secretId}: ${name}: ${e.message ?? String(error)}`,
    { ...(status === undefined ? {} : { status }), cause: error },
  );
}

/**
 * GetSecretValue with a per-id cache for the life of a warm container (within `ttlMs`). Accepts
 * a plain token or `{"token": …}` / `{"apiToken": …}`; refuses the stack's placeholder.
 */
export function createSecretReader(
  client: SecretsManagerClient,
  options: { ttlMs?: number; now?: () => number } = {},
): SecretReader {
  const ttlMs = options.ttlMs ?? DEFAULT_SECRET_TTL_MS;
  const now = options.now ?? Date.now;
  // Promises, not values, so concurrent first reads of one id share one request.
  const cache = new Map<string, { token: Promise<string>; expiresAt: number }>();

  return (secretId, what) => {
    const cached = cache.get(secretId);
    if (cached && now() < cached.expiresAt) return cached.token;

    const token = (async () => {
      let raw: string | undefined;
      try {
        const response = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
        raw = response.SecretString;
      } catch (error) {
        throw failure(secretId, what, error);
      }
      return tokenFrom(secretId, what, raw);
    })();
    const entry = { token, expiresAt: now() + ttlMs };
    cache.set(secretId, entry);
    // A failed read is not cached: the operator may fix the secret while the container is warm.
    token.catch(() => {
      if (cache.get(secretId) === entry) cache.delete(secretId);
    });
    return token;
  };
}

import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretReader } from '../functions/sync/secrets';
import { SECRET_PLACEHOLDER_KEY } from '../shared/config';
import { ConfigError, UpstreamError } from '../shared/errors';
import {
  type SecretsManagerStandIn,
  secretsEnvFor,
  startSecretsManager,
} from './stand-ins/secrets-manager';

const TOKEN = '00aSecretTokenValue-DoNotLeak';

let sm: SecretsManagerStandIn;
let client: SecretsManagerClient;

beforeAll(async () => {
  sm = await startSecretsManager({
    'okta/plain': `  ${TOKEN}\n`,
    'okta/json': JSON.stringify({ token: ` ${TOKEN} ` }),
    'okta/api-token': JSON.stringify({ apiToken: TOKEN }),
    'okta/placeholder': JSON.stringify({ [SECRET_PLACEHOLDER_KEY]: true }),
    'okta/empty': '   ',
    'okta/no-token': JSON.stringify({ tokn: TOKEN }),
    'okta/bad-json': `{"token": "${TOKEN}"`,
    'okta/cached': TOKEN,
  });
  client = new SecretsManagerClient({
    endpoint: sm.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client?.destroy();
  await sm?.stop();
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('createSecretReader', () => {
  it.each([
    ['a plain string, trimmed', 'okta/plain'],
    ['JSON {"token": …}', 'okta/json'],
    ['JSON {"apiToken": …}', 'okta/api-token'],
  ])('reads %s', async (_name, id) => {
    const read = createSecretReader(client);
    expect(await read(id, 'Okta API token')).toBe(TOKEN);
  });

  it('reads by ARN', async () => {
    const read = createSecretReader(client);
    const arn = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:okta/json-AbC123';
    expect(await read(arn, 'Okta API token')).toBe(TOKEN);
  });

  it('refuses the stack placeholder with the command that sets the secret', async () => {
    const error = await rejection(createSecretReader(client)('okta/placeholder', 'Okta API token'));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(
      'Okta API token secret okta/placeholder still holds the placeholder the stack created; ' +
        'set it with: aws secretsmanager put-secret-value --secret-id okta/placeholder --secret-string \'{"token":"…"}\'',
    );
  });

  it.each([
    [
      'empty',
      'okta/empty',
      /secret okta\/empty is empty; expected the token as plain text or JSON/,
    ],
    [
      'JSON without a token',
      'okta/no-token',
      /secret okta\/no-token is JSON without a non-empty "token"/,
    ],
    [
      'broken JSON',
      'okta/bad-json',
      /secret okta\/bad-json starts with '\{' but is not valid JSON/,
    ],
    ['missing', 'okta/missing', /^Okta API token secret okta\/missing not found/],
  ])(
    'reports a %s secret as a ConfigError naming it, without the value',
    async (_n, id, message) => {
      const error = await rejection(createSecretReader(client)(id, 'Okta API token'));
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain(TOKEN);
      expect(JSON.stringify(error)).not.toContain(TOKEN);
    },
  );

  it('gets the SDK own not-found error class from the stand-in', async () => {
    const raw = await rejection(client.send(new GetSecretValueCommand({ SecretId: 'nope' })));
    expect(raw).toBeInstanceOf(ResourceNotFoundException);
  });

  it('reports access denied as an UpstreamError of the secrets service', async () => {
    sm.errors.set('okta/denied', 'AccessDeniedException');
    const error = await rejection(createSecretReader(client)('okta/denied', 'Okta API token'));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({
      service: 'secrets',
      operation: 'read Okta API token secret',
      status: 400,
    });
    expect(error.message).toMatch(
      /^secrets: read Okta API token secret: okta\/denied: AccessDeniedException: /,
    );
  });

  it('reports a transport failure as an UpstreamError of the secrets service', async () => {
    // A closed port: the request fails in transport, which is not a configuration problem.
    const other = await startSecretsManager({});
    await other.stop();
    const dead = new SecretsManagerClient({
      endpoint: other.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    try {
      const error = await rejection(createSecretReader(dead)('okta/plain', 'Okta API token'));
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error.message).toMatch(/^secrets: read Okta API token secret: okta\/plain: /);
    } finally {
      dead.destroy();
    }
  });

  it('caches a value per id within the ttl and reads it again after', async () => {
    let clock = 1_000_000;
    const read = createSecretReader(client, { ttlMs: 60_000, now: () => clock });
    const hits = () => sm.requests.filter((r) => r.secretId === 'okta/cached').length;
    const before = hits();

    expect(await read('okta/cached', 'Okta API token')).toBe(TOKEN);
    expect(hits()).toBe(before + 1);

    sm.secrets.set('okta/cached', 'rotated-token');
    clock += 59_999;
    expect(await read('okta/cached', 'Okta API token')).toBe(TOKEN);
    expect(hits()).toBe(before + 1);

    clock += 1;
    expect(await read('okta/cached', 'Okta API token')).toBe('rotated-token');
    expect(hits()).toBe(before + 2);
  });

  it('shares one request between concurrent first reads and does not cache failures', async () => {
    const read = createSecretReader(client);
    const hits = (id: string) => sm.requests.filter((r) => r.secretId === id).length;
    const before = hits('okta/json');
    await Promise.all([read('okta/json', 'a'), read('okta/json', 'a'), read('okta/json', 'a')]);
    expect(hits('okta/json')).toBe(before + 1);

    await expect(read('okta/late', 'a')).rejects.toThrow(ConfigError);
    sm.secrets.set('okta/late', TOKEN);
    expect(await read('okta/late', 'a')).toBe(TOKEN);
  });

  it('works with a client configured only by the endpoint environment variables', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, secretsEnvFor(sm.endpoint));
    const envClient = new SecretsManagerClient({});
    try {
      expect(await createSecretReader(envClient)('okta/plain', 'Okta API token')).toBe(TOKEN);
    } finally {
      envClient.destroy();
      process.env = saved;
    }
  });
});

describe('Secrets Manager stand-in', () => {
  it('records the target and id, and refuses other operations', async () => {
    const response = await fetch(sm.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'secretsmanager.ListSecrets',
      },
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException' });
    expect(sm.requests.at(-1)).toEqual({
      target: 'secretsmanager.ListSecrets',
      secretId: undefined,
    });
  });

  it('refuses a body that is not awsJson1_1', async () => {
    const response = await fetch(sm.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/cbor',
        'x-amz-target': 'secretsmanager.GetSecretValue',
      },
      body: '{"SecretId":"okta/plain"}',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'SerializationException' });
  });
});

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the stand-in received (never the value it answered with). */
export interface SecretsManagerRequest {
  target: string;
  secretId: string | undefined;
}

/** A running Secrets Manager endpoint on loopback. */
export interface SecretsManagerStandIn {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  /** Live name → SecretString map; tests may change it while the server runs. */
  secrets: Map<string, string>;
  /** Every request in arrival order. */
  requests: SecretsManagerRequest[];
  /** secret id → error `__type` to answer with (HTTP 400), e.g. 'AccessDeniedException'. */
  errors: Map<string, string>;
  /** Closes the server (and its keep-alive connections); safe to call twice. */
  stop(): Promise<void>;
}

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const JSON_1_1 = 'application/x-amz-json-1.1';
// Real ARNs end in '-' and six random characters; accept them and partial ARNs without the suffix.
const ARN = /^arn:aws:secretsmanager:[^:]+:\d{12}:secret:(.+?)(?:-[A-Za-z0-9]{6})?$/;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': JSON_1_1, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function error(res: ServerResponse, type: string, message: string): void {
  send(res, 400, { __type: type, message });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A tiny, faithful Secrets Manager (awsJson1_1) serving GetSecretValue from a map, so tests and the
 * demo use the real SDK client through `AWS_ENDPOINT_URL_SECRETS_MANAGER`.
 */
export async function startSecretsManager(
  initial: Record<string, string>,
): Promise<SecretsManagerStandIn> {
  const secrets = new Map(Object.entries(initial));
  const requests: SecretsManagerRequest[] = [];
  const errors = new Map<string, string>();
  const created = new Map<string, { suffix: string; version: string; date: number }>();

  const metaOf = (name: string) => {
    let meta = created.get(name);
    if (!meta) {
      meta = {
        suffix: randomUUID().replace(/-/g, '').slice(0, 6),
        version: randomUUID(),
        date: Math.floor(Date.now() / 1000),
      };
      created.set(name, meta);
    }
    return meta;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    const target = String(req.headers['x-amz-target'] ?? '');
    let input: { SecretId?: unknown } = {};
    try {
      input = body === '' ? {} : (JSON.parse(body) as { SecretId?: unknown });
    } catch {
      // Recorded below with no secret id, then refused.
    }
    const secretId = typeof input.SecretId === 'string' ? input.SecretId : undefined;
    requests.push({ target, secretId });

    // Fail loudly if the SDK ever moves Secrets Manager off awsJson1_1 (e.g. to RPCv2-CBOR).
    const contentType = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      ?.trim();
    if (req.method !== 'POST' || req.url !== '/' || contentType !== JSON_1_1) {
      error(
        res,
        'SerializationException',
        `stand-in expects POST / with content-type ${JSON_1_1}; got ${req.method} ${req.url} ${contentType}`,
      );
      return;
    }
    if (target !== 'secretsmanager.GetSecretValue') {
      error(res, 'UnknownOperationException', `stand-in does not implement ${target || 'this'}`);
      return;
    }
    if (secretId === undefined) {
      error(res, 'InvalidParameterException', 'SecretId is required.');
      return;
    }
    const injected = errors.get(secretId);
    if (injected !== undefined) {
      error(res, injected, `stand-in answers ${injected} for this secret`);
      return;
    }
    const name = secrets.has(secretId) ? secretId : ARN.exec(secretId)?.[1];
    const value = name === undefined ? undefined : secrets.get(name);
    if (name === undefined || value === undefined) {
      error(res, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      return;
    }
    const meta = metaOf(name);
    send(res, 200, {
      ARN: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-${meta.suffix}`,
      Name: name,
      SecretString: value,
      VersionId: meta.version,
      VersionStages: ['AWSCURRENT'],
      CreatedDate: meta.date,
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((cause: unknown) => {
      if (!res.headersSent)
        send(res, 500, { __type: 'InternalServiceError', message: String(cause) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    secrets,
    requests,
    errors,
    stop() {
      stopping ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // The SDK keeps connections alive; without this close() waits for them to time out.
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}

/** Environment that points the AWS SDK's Secrets Manager client at the stand-in. */
export function secretsEnvFor(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
    AWS_REGION: REGION,
    // Same keys as the S3 stand-in, so one process can use both.
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  };
}

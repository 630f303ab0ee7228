/**
 * The two KMS calls Polku makes (GenerateDataKey, Decrypt), as signed JSON requests over fetch. The
 * SDK's KMS client would add some 28 KB to every bundle that carries it (its error classes and
 * schemas), on a cold start that is measured; these calls need only the request signer the DynamoDB
 * client already brings, and the credentials of the Db they serve.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  Checksum,
  SourceData,
} from '@smithy/types';

export interface KmsSettings {
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Another endpoint than KMS's in the region (a test's stand-in). */
  endpoint?: string | undefined;
}

/** An error KMS answered with: `name` is its type (AccessDeniedException, ThrottlingException, ...). */
export class KmsError extends Error {
  readonly $metadata: { httpStatusCode: number };
  constructor(name: string, message: string, status: number) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode: status };
  }
}

/** SHA-256, or HMAC-SHA256 with a secret: what the signer asks of a hash. */
class Sha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh() {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.secret));
  }
  update(data: Uint8Array | string) {
    this.hash.update(toBuffer(data));
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
  reset() {
    this.hash = this.fresh();
  }
}

const toBuffer = (data: SourceData) =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

const TIMEOUT_MS = 3000;

export interface Kms {
  generateDataKey(
    keyId: string,
    context: Record<string, string>,
  ): Promise<{ plaintext: Uint8Array; ciphertext: Uint8Array; keyId: string }>;
  decrypt(keyId: string, ciphertext: Uint8Array, context: Record<string, string>): Promise<Uint8Array>;
}

export function kmsClient(settings: KmsSettings): Kms {
  const url = new URL(settings.endpoint ?? `https://kms.${settings.region}.amazonaws.com/`);
  const signer = new SignatureV4({
    service: 'kms',
    region: settings.region,
    credentials: settings.credentials,
    sha256: Sha256,
  });
  const call = async (action: string, input: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const body = JSON.stringify(input);
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: {},
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `TrentService.${action}`,
      },
      body,
    });
    const { host: _, ...headers } = signed.headers;
    let response: Response;
    try {
      response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      // Unreached or too slow: a 503 to the client, like DynamoDB's timeouts.
      throw new KmsError('TimeoutError', `KMS ${action}: ${(error as Error).message}`, 503);
    }
    const text = await response.text();
    const parsed = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    if (!response.ok) {
      const type = String(parsed.__type ?? 'KmsError')
        .split('#')
        .at(-1) as string;
      throw new KmsError(type, String(parsed.message ?? parsed.Message ?? text), response.status);
    }
    return parsed;
  };
  const bytes = (value: unknown, what: string) => {
    if (typeof value !== 'string') throw new KmsError('KmsError', `KMS returned no ${what}`, 502);
    return new Uint8Array(Buffer.from(value, 'base64'));
  };
  return {
    async generateDataKey(keyId, context) {
      const made = await call('GenerateDataKey', {
        KeyId: keyId,
        KeySpec: 'AES_256',
        EncryptionContext: context,
      });
      return {
        plaintext: bytes(made.Plaintext, 'plaintext'),
        ciphertext: bytes(made.CiphertextBlob, 'ciphertext'),
        keyId: typeof made.KeyId === 'string' ? made.KeyId : keyId,
      };
    },
    async decrypt(keyId, ciphertext, context) {
      const opened = await call('Decrypt', {
        KeyId: keyId,
        CiphertextBlob: Buffer.from(ciphertext).toString('base64'),
        EncryptionContext: context,
      });
      return bytes(opened.Plaintext, 'plaintext');
    },
  };
}

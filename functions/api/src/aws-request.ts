/**
 * Signed requests to AWS services over fetch, for the few calls Polku makes outside DynamoDB (KMS's
 * GenerateDataKey and Decrypt, STS's AssumeRole). An SDK client per service would add 20–30 KB each
 * to the API bundle (error classes, schemas, a second protocol), on a cold start that is measured;
 * these need only the request signer the DynamoDB client already brings.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  Checksum,
  SourceData,
} from '@smithy/types';

export interface AwsServiceSettings {
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Another endpoint than the service's in the region (a test's stand-in). */
  endpoint?: string | undefined;
}

/**
 * An error a service answered with, or a timeout: `name` is its type (AccessDenied,
 * ThrottlingException, ...), and a status of 500 or more (or a throttling name) makes it transient.
 */
export class AwsServiceError extends Error {
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
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(this.secret));
  }
  update(data: Uint8Array | string) {
    this.hash.update(bytesOf(data));
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
  reset() {
    this.hash = this.fresh();
  }
}

const bytesOf = (data: SourceData) =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

const TIMEOUT_MS = 3000;

export type AwsPost = (
  headers: Record<string, string>,
  body: string,
) => Promise<{ status: number; text: string }>;

/** POSTs signed for `service` to its regional endpoint; unreached or too slow is a 503. */
export function awsPost(service: string, settings: AwsServiceSettings): AwsPost {
  const url = new URL(settings.endpoint ?? `https://${service}.${settings.region}.amazonaws.com/`);
  const signer = new SignatureV4({
    service,
    region: settings.region,
    credentials: settings.credentials,
    sha256: Sha256,
  });
  return async (headers, body) => {
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: {},
      headers: { host: url.host, ...headers },
      body,
    });
    // fetch sets Host itself, from the same URL.
    const { host: _, ...sent } = signed.headers;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: sent,
        body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      return { status: response.status, text: await response.text() };
    } catch (error) {
      throw new AwsServiceError('TimeoutError', `${service}: ${(error as Error).message}`, 503);
    }
  };
}

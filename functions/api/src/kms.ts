/** The two KMS calls Polku makes (GenerateDataKey, Decrypt), as signed JSON requests (aws-request.ts). */
import { AwsServiceError, type AwsServiceSettings, awsPost } from './aws-request.ts';

export interface Kms {
  generateDataKey(
    keyId: string,
    context: Record<string, string>,
  ): Promise<{ plaintext: Uint8Array; ciphertext: Uint8Array; keyId: string }>;
  decrypt(keyId: string, ciphertext: Uint8Array, context: Record<string, string>): Promise<Uint8Array>;
}

export function kmsClient(settings: AwsServiceSettings): Kms {
  const post = awsPost('kms', settings);
  const call = async (action: string, input: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const headers = {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `TrentService.${action}`,
    };
    const { status, text } = await post(headers, JSON.stringify(input));
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      // Not KMS's JSON (a proxy's error page): the status says what happened.
      if (status < 300) throw new AwsServiceError('KmsError', 'KMS answered with no JSON', 502);
    }
    if (status >= 300) {
      const type = String(parsed.__type ?? 'KmsError')
        .split('#')
        .at(-1) as string;
      throw new AwsServiceError(type, String(parsed.message ?? parsed.Message ?? text), status);
    }
    return parsed;
  };
  const bytes = (value: unknown, what: string) => {
    if (typeof value !== 'string') throw new AwsServiceError('KmsError', `KMS returned no ${what}`, 502);
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

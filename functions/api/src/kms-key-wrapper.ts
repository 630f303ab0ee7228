/**
 * Tenants' data keys wrapped by KMS, under the stack's field key: GenerateDataKey makes one, Decrypt
 * unwraps it. The encryption context names the tenant, so a key unwraps only as its own tenant's, and
 * IAM can narrow a session to one tenant's context (tenant-access.ts).
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { type DataKeys, dataKeysOf, type KeyWrapper } from '@polku/storage';
import type { AwsServiceSettings } from './aws-request.ts';
import { type Kms, kmsClient } from './kms.ts';

/** The encryption context's one key; IAM conditions read it as `kms:EncryptionContext:tenant`. */
export const ENCRYPTION_CONTEXT_TENANT = 'tenant';

/** What making and unwrapping data keys needs on the field key. */
export const FIELD_KEY_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'] as const;

export const encryptionContextOf = (tenantId: string) => ({ [ENCRYPTION_CONTEXT_TENANT]: tenantId });

/**
 * `keyArn` is the key new data keys are made under; a reader needs none (each wrapped key names its
 * own), so an operator's script can unwrap with only the ARN stored beside each key.
 */
export function kmsKeyWrapper(kms: Kms, keyArn: string | undefined): KeyWrapper {
  return {
    async newDataKey(tenantId) {
      if (!keyArn) throw new Error('no KMS key to make data keys under: POLKU_FIELD_KEY_ARN is not set');
      const made = await kms.generateDataKey(keyArn, encryptionContextOf(tenantId));
      return { key: made.plaintext, wrapped: made.ciphertext, keyId: made.keyId };
    },
    unwrap: (tenantId, wrapped, keyId) => kms.decrypt(keyId, wrapped, encryptionContextOf(tenantId)),
  };
}

/** Data keys that KMS unwraps with the given credentials (a tenant's session, an operator's). */
export function kmsDataKeys(settings: AwsServiceSettings, keyArn: string | undefined): DataKeys {
  return dataKeysOf(kmsKeyWrapper(kmsClient(settings), keyArn));
}

/** The data keys of a Lambda told the field key's ARN (POLKU_FIELD_KEY_ARN), or none without it. */
export function dataKeysFromEnv(env: NodeJS.ProcessEnv = process.env): DataKeys | undefined {
  const { POLKU_FIELD_KEY_ARN: keyArn, AWS_REGION: region } = env;
  return keyArn && region ? kmsDataKeys({ region, credentials: fromEnv() }, keyArn) : undefined;
}

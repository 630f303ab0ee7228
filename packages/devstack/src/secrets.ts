/** Local platform secrets: generated once and kept beside the local data. */

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generatePrivateJwk, verifySecret } from '@polku/auth';
import { type OperatorEntry, withOperator } from './platform-secret.ts';

export interface LocalSecrets {
  signingKeys: { keys: Record<string, unknown>[] };
  cursorKey: string;
  identityCodeKey: string;
  webhookKey?: string;
  /** Wraps tenants' data keys locally (KMS does in AWS). */
  dataKeyWrappingKey?: string;
  operators?: OperatorEntry[];
}

export async function generateSecrets(): Promise<LocalSecrets> {
  return {
    signingKeys: { keys: [await generatePrivateJwk()] as Record<string, unknown>[] },
    cursorKey: randomBytes(32).toString('base64'),
    identityCodeKey: randomBytes(32).toString('base64'),
    webhookKey: randomBytes(32).toString('base64'),
    dataKeyWrappingKey: randomBytes(32).toString('base64'),
    operators: [],
  };
}

export async function loadOrCreateSecrets(file: string): Promise<LocalSecrets> {
  if (existsSync(file)) {
    const secrets = JSON.parse(readFileSync(file, 'utf8')) as LocalSecrets;
    if (secrets.dataKeyWrappingKey) return secrets;
    // Secrets from before sealed fields: add the wrapping key, keep the rest.
    return writeSecrets(file, { ...secrets, dataKeyWrappingKey: randomBytes(32).toString('base64') });
  }
  mkdirSync(dirname(file), { recursive: true });
  return writeSecrets(file, await generateSecrets());
}

function writeSecrets(file: string, secrets: LocalSecrets): LocalSecrets {
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}

export interface LocalOperator {
  clientId: string;
  clientSecret: string;
}

/**
 * The local operator (`operator.local`): its secret kept in `credentialsFile`, its hash in the
 * local platform secret. Made once and reused while the two still match.
 */
export async function loadOrCreateOperator(
  secretsFile: string,
  credentialsFile: string,
  secrets: LocalSecrets,
): Promise<{ secrets: LocalSecrets; operator: LocalOperator }> {
  if (existsSync(credentialsFile)) {
    const operator = JSON.parse(readFileSync(credentialsFile, 'utf8')) as LocalOperator;
    const entry = secrets.operators?.find((candidate) => candidate.id === operator.clientId);
    if (entry && (await verifySecret(operator.clientSecret, entry.secretHash))) return { secrets, operator };
  }
  const added = await withOperator(secrets, 'local');
  writeFileSync(secretsFile, `${JSON.stringify(added.secret, null, 2)}\n`, { mode: 0o600 });
  const operator = { clientId: added.clientId, clientSecret: added.clientSecret };
  writeFileSync(credentialsFile, `${JSON.stringify(operator, null, 2)}\n`, { mode: 0o600 });
  return { secrets: added.secret, operator };
}

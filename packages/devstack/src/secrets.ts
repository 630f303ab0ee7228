/** Local platform secrets: generated once and kept beside the local data. */

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generatePrivateJwk } from '@polku/auth';

export interface LocalSecrets {
  signingKeys: { keys: Record<string, unknown>[] };
  cursorKey: string;
  identityCodeKey: string;
}

export async function generateSecrets(): Promise<LocalSecrets> {
  return {
    signingKeys: { keys: [await generatePrivateJwk()] as Record<string, unknown>[] },
    cursorKey: randomBytes(32).toString('base64'),
    identityCodeKey: randomBytes(32).toString('base64'),
  };
}

export async function loadOrCreateSecrets(file: string): Promise<LocalSecrets> {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as LocalSecrets;
  const secrets = await generateSecrets();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}

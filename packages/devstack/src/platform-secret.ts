/**
 * Changes to the platform secret, for `pnpm secret` and `pnpm dev`: operators (an id
 * `operator.<name>` and the scrypt hash of a secret shown once) and signing-key rotation.
 */
import { generateSecret, hashSecret, type PrivateJwkSet, rotation } from '@polku/auth';

export interface OperatorEntry {
  id: string;
  secretHash: string;
}

export interface SecretWithOperators {
  operators?: OperatorEntry[];
}

const NAME = /^[a-z0-9-]{1,64}$/;

/** Adds (or replaces) an operator; returns the secret with it and the credentials to hand over. */
export async function withOperator<S extends SecretWithOperators>(
  secret: S,
  name: string,
): Promise<{ secret: S; clientId: string; clientSecret: string }> {
  if (!NAME.test(name)) throw new Error('an operator name is 1–64 lower-case letters, digits or hyphens');
  const clientId = `operator.${name}`;
  const clientSecret = generateSecret();
  const operators = (secret.operators ?? []).filter((operator) => operator.id !== clientId);
  operators.push({ id: clientId, secretHash: await hashSecret(clientSecret) });
  return { secret: { ...secret, operators }, clientId, clientSecret };
}

export function withoutOperator<S extends SecretWithOperators>(secret: S, name: string): S {
  const id = `operator.${name}`;
  if (!secret.operators?.some((operator) => operator.id === id)) throw new Error(`no operator ${id}`);
  return { ...secret, operators: secret.operators.filter((operator) => operator.id !== id) };
}

export type RotationStep = 'prepare' | 'promote' | 'retire';

export async function withRotatedSigningKey<S extends { signingKeys: unknown }>(
  secret: S,
  step: RotationStep,
): Promise<S> {
  const keys = secret.signingKeys as PrivateJwkSet;
  const next = step === 'prepare' ? await rotation.prepare(keys) : rotation[step](keys);
  return { ...secret, signingKeys: next };
}

/**
 * Envelope encryption of sealed fields: each tenant has a random 256-bit data key, stored in its own
 * partition only wrapped by a key the table never holds (KMS in AWS, a configured key locally).
 * Values are sealed with AES-256-GCM under the data key; unwrapped keys are cached for minutes.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { keys } from '@polku/table';
import type { Db } from './db.ts';
import { isTransient, translate } from './errors.ts';
import { getItem } from './read.ts';
import { commit, type WriteOp } from './write.ts';

/** Sealed data that does not open: altered, copied from another record or tenant, or a wrong key. */
export class SealedDataError extends Error {
  override name = 'SealedDataError';
}

/** Another first use stored the tenant's data key first: seal again with that one. */
export class DataKeyRace extends Error {
  override name = 'DataKeyRace';
}

/** Makes and unwraps tenants' data keys. The tenant is bound in: a key unwraps only as its own tenant's. */
export interface KeyWrapper {
  /** A new data key for the tenant, in clear and wrapped, and the id of the key that wrapped it. */
  newDataKey(tenantId: string): Promise<{ key: Uint8Array; wrapped: Uint8Array; keyId: string }>;
  unwrap(tenantId: string, wrapped: Uint8Array, keyId: string): Promise<Uint8Array>;
}

/** A wrapper and the keys it unwrapped, shared by every Db of a process that uses the same wrapper. */
export interface DataKeys {
  readonly wrapper: KeyWrapper;
  /** `<table>#<tenant>` → the tenant's data key in clear, until `until` (epoch ms). */
  readonly cache: Map<string, { key: Uint8Array; until: number }>;
  readonly ttlMs: number;
}

/** A warm instance unwraps a tenant's key at most this often. */
export const DATA_KEY_TTL_MS = 5 * 60_000;
/** Tenants whose keys are kept; the oldest entry goes first. */
const MAX_CACHED = 1_000;

export function dataKeysOf(wrapper: KeyWrapper, ttlMs = DATA_KEY_TTL_MS): DataKeys {
  return { wrapper, cache: new Map(), ttlMs };
}

// ---------------------------------------------------------------------------------------------
// AES-256-GCM: a version byte, a fresh 96-bit IV, the ciphertext and the 128-bit tag

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** `plaintext` sealed under `key`; `aad` is bound in, not stored: opening needs the same. */
export function seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES }).setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(VERSION), iv, body, cipher.getAuthTag()]);
}

/** What `seal` sealed, or SealedDataError when the key, the AAD or a single bit differs. */
export function open(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array, what: string): Uint8Array {
  const bytes = Buffer.from(sealed);
  if (bytes.length < 1 + IV_BYTES + TAG_BYTES || bytes[0] !== VERSION) {
    throw new SealedDataError(`${what}: not sealed data Polku can read`);
  }
  try {
    const iv = bytes.subarray(1, 1 + IV_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES }).setAAD(aad);
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES, -TAG_BYTES)), decipher.final()]);
  } catch (error) {
    throw new SealedDataError(
      `${what} could not be opened: it was sealed for another record or tenant, under another key, or altered`,
      { cause: error },
    );
  }
}

/** The AAD of a purpose and the ids it binds (JSON, so no two lists run together). */
export const aadOf = (...parts: string[]): Uint8Array => Buffer.from(JSON.stringify(['polku', ...parts]));

// ---------------------------------------------------------------------------------------------
// The local wrapper

/**
 * Wraps data keys with AES-256-GCM under a 32-byte key from configuration (`pnpm dev`, tests). Its
 * id is a digest of the key, so a data key wrapped under another is named as such, not garbled.
 */
export function localKeyWrapper(wrappingKey: Uint8Array): KeyWrapper {
  if (wrappingKey.length !== 32) throw new Error('the data-key wrapping key must be 32 bytes');
  const keyId = `local:${createHash('sha256').update(wrappingKey).digest('hex').slice(0, 16)}`;
  return {
    async newDataKey(tenantId) {
      const key = randomBytes(32);
      return { key, wrapped: seal(wrappingKey, key, aadOf('data-key', tenantId)), keyId };
    },
    async unwrap(tenantId, wrapped, wrappedUnder) {
      if (wrappedUnder !== keyId) {
        throw new SealedDataError(
          `the data key of tenant ${tenantId} was wrapped under ${wrappedUnder}; this configuration's key is ${keyId}`,
        );
      }
      return open(wrappingKey, wrapped, aadOf('data-key', tenantId), `the data key of tenant ${tenantId}`);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// A tenant's data key

export const DATA_KEY_ENTITY = 'data-key';

function dataKeysOfDb(db: Db): DataKeys {
  if (!db.dataKeys)
    throw new Error('this Db has no data keys: sealed fields can be neither read nor written');
  return db.dataKeys;
}

const cacheKey = (db: Db, tenantId: string) => `${db.tableName}#${tenantId}`;

function remember(db: Db, tenantId: string, key: Uint8Array): void {
  const { cache, ttlMs } = dataKeysOfDb(db);
  cache.delete(cacheKey(db, tenantId));
  cache.set(cacheKey(db, tenantId), { key, until: Date.now() + ttlMs });
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
}

function cached(db: Db, tenantId: string): Uint8Array | undefined {
  const entry = dataKeysOfDb(db).cache.get(cacheKey(db, tenantId));
  return entry && entry.until > Date.now() ? entry.key : undefined;
}

/** The tenant's data key, or undefined when nothing of the tenant has been sealed yet. */
export async function existingDataKey(db: Db, tenantId: string): Promise<Uint8Array | undefined> {
  const hit = cached(db, tenantId);
  if (hit) return hit;
  const item = await getItem(db, keys.dataKey(tenantId));
  if (item?.entity !== DATA_KEY_ENTITY) return undefined;
  let key: Uint8Array;
  try {
    key = await dataKeysOfDb(db).wrapper.unwrap(tenantId, item.wrappedKey as Uint8Array, String(item.keyId));
  } catch (error) {
    if (error instanceof SealedDataError) throw error;
    // KMS throttled or failed: 503, retry. Refused (another tenant's context, a disabled key): no.
    if (isTransient(error)) translate(error);
    throw new SealedDataError(`the data key of tenant ${tenantId} could not be unwrapped`, { cause: error });
  }
  remember(db, tenantId, key);
  return key;
}

/** The key a write seals with: the tenant's, or a new one whose conditional put goes in the same commit. */
export interface SealingKey {
  key: Uint8Array;
  /** The new key's put (condition: no key stored yet; DataKeyRace otherwise), or nothing. */
  ops: WriteOp[];
  /** After the commit: keep a new key in the cache. */
  committed(): void;
}

export async function sealingKeyFor(db: Db, tenantId: string, now = new Date()): Promise<SealingKey> {
  const existing = await existingDataKey(db, tenantId);
  if (existing) return { key: existing, ops: [], committed: () => {} };
  const made = await dataKeysOfDb(db)
    .wrapper.newDataKey(tenantId)
    .catch((error: unknown) => {
      // KMS throttled or failed: 503, retry.
      if (isTransient(error)) translate(error);
      throw error;
    });
  const { key, wrapped, keyId } = made;
  const op: WriteOp = {
    kind: 'put',
    item: {
      ...keys.dataKey(tenantId),
      entity: DATA_KEY_ENTITY,
      tenantId,
      wrappedKey: wrapped,
      keyId,
      createdAt: now.toISOString(),
    },
    condition: { expression: 'attribute_not_exists(PK)' },
    onConflict: () => new DataKeyRace(),
  };
  return { key, ops: [op], committed: () => remember(db, tenantId, key) };
}

/**
 * Runs a write that seals with the tenant's key. The first use stores the key with the write; when
 * two first uses race, the loser seals again with the winner's key, so a tenant has one key.
 */
export async function withSealingKey<T>(
  db: Db,
  tenantId: string,
  write: (sealing: SealingKey) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const sealing = await sealingKeyFor(db, tenantId);
    try {
      const result = await write(sealing);
      sealing.committed();
      return result;
    } catch (error) {
      if (!(error instanceof DataKeyRace) || attempt > 1) throw error;
    }
  }
}

/** The tenant's data key for a writer outside a transaction (the metrics projector): made if need be. */
export function dataKeyFor(db: Db, tenantId: string): Promise<Uint8Array> {
  return withSealingKey(db, tenantId, async (sealing) => {
    await commit(db, sealing.ops);
    return sealing.key;
  });
}

/**
 * The sensitive ESF characteristics sealed at rest: in a participant's item they are one attribute,
 * sealed under the tenant's data key and bound to the tenant and the participant, and so are the
 * counters they add to the person's metrics ledger. The other characteristics stay plain.
 */
import { schemas } from '@polku/domain';
import { aadOf, existingDataKey, open, SealedDataError, seal } from './data-keys.ts';
import type { Db } from './db.ts';
import type { Item } from './item.ts';

type Esf = schemas.Participant['esf'];
type Contribution = Record<string, Record<string, number>>;

/** The participant item's attribute holding the sealed characteristics. */
export const SEALED_ESF = 'sealedEsf';
/** The metrics ledger's attribute holding the sealed counters. */
export const SEALED_COUNTERS = 'sealedCounters';

const esfAad = (tenantId: string, participantId: string) => aadOf('participant.esf', tenantId, participantId);
const countersAad = (tenantId: string, participantId: string) =>
  aadOf('metrics-ledger.counters', tenantId, participantId);

/**
 * Sealed values are padded to a multiple of this many bytes (JSON ignores the trailing spaces): a
 * ciphertext's length must not tell how many of the characteristics are true (`true` is shorter
 * than `false`), nor which counters a ledger holds. The five of a participant always fit in one.
 */
const PADDED_TO = 256;
const json = (value: unknown) => {
  const text = JSON.stringify(value);
  return Buffer.from(text.padEnd(Math.ceil((text.length + 1) / PADDED_TO) * PADDED_TO, ' '));
};
const parsed = <T>(bytes: Uint8Array) => JSON.parse(Buffer.from(bytes).toString('utf8')) as T;

async function keyToOpen(db: Db, tenantId: string, what: string): Promise<Uint8Array> {
  const key = await existingDataKey(db, tenantId);
  if (!key) throw new SealedDataError(`${what} is sealed, but tenant ${tenantId} has no data key`);
  return key;
}

/**
 * The participant as stored: `esf` without the sensitive characteristics, and them sealed in
 * `extra`. Sealed whenever one is present (false too), so the attribute's presence tells nothing.
 */
export function sealedParticipant<P extends { id: string; esf: Esf }>(
  key: Uint8Array,
  tenantId: string,
  participant: P,
): { stored: P; extra: Item } {
  const plain: Record<string, unknown> = {};
  const sensitive: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(participant.esf)) {
    (schemas.isSensitiveEsfField(field) ? sensitive : plain)[field] = value;
  }
  if (Object.keys(sensitive).length === 0) return { stored: participant, extra: {} };
  return {
    stored: { ...participant, esf: plain as Esf },
    extra: { [SEALED_ESF]: seal(key, json(sensitive), esfAad(tenantId, participant.id)) },
  };
}

/**
 * A participant's stored item with its characteristics whole again. `participantId` is the one
 * asked for, not the item's: a sealed value copied to another participant's item does not open.
 * An item written before sealing (plain characteristics) reads as it is.
 */
export async function openedParticipantItem(
  db: Db,
  tenantId: string,
  participantId: string,
  item: Item,
): Promise<Item> {
  const sealed = item[SEALED_ESF] as Uint8Array | undefined;
  if (sealed === undefined) return item;
  const what = `the sensitive characteristics of participant ${participantId}`;
  const key = await keyToOpen(db, tenantId, what);
  const sensitive = parsed<Record<string, boolean>>(open(key, sealed, esfAad(tenantId, participantId), what));
  const { [SEALED_ESF]: _, ...rest } = item;
  return { ...rest, esf: { ...(item.esf as Esf), ...sensitive } };
}

/** The ESF sensitive characteristics as the indicators the ESF+ report counts them by. */
const SENSITIVE_INDICATORS = schemas.SENSITIVE_ESF_FIELDS.map((field) =>
  field.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`),
);
/** An ESF bucket's counter of a sensitive entry indicator: `i:<indicator>:<gender>`. */
const isSensitiveCounter = (ref: string, counter: string) =>
  ref.split('|')[1] === 'ESF' && SENSITIVE_INDICATORS.some((id) => counter.startsWith(`i:${id}:`));

/** Whether a ledger's contribution has counters to seal (or an ESF bucket, which could have them). */
export const hasEsfBuckets = (applied: Contribution) =>
  Object.keys(applied).some((ref) => ref.split('|')[1] === 'ESF');

/**
 * A ledger's contribution as stored: the counters of sensitive indicators sealed, the rest plain.
 * Sealed for every ledger with an ESF bucket, so the attribute's presence tells nothing either.
 */
export function sealedContribution(
  key: Uint8Array,
  tenantId: string,
  participantId: string,
  applied: Contribution,
): { applied: Contribution; extra: Item } {
  if (!hasEsfBuckets(applied)) return { applied, extra: {} };
  const plain: Contribution = {};
  const sensitive: Contribution = {};
  for (const [ref, counters] of Object.entries(applied)) {
    for (const [counter, n] of Object.entries(counters)) {
      const part = isSensitiveCounter(ref, counter) ? sensitive : plain;
      part[ref] = { ...part[ref], [counter]: n };
    }
  }
  const sealed = seal(key, json(sensitive), countersAad(tenantId, participantId));
  return { applied: plain, extra: { [SEALED_COUNTERS]: sealed } };
}

/** A stored ledger's whole contribution. */
export async function openedContribution(
  db: Db,
  tenantId: string,
  participantId: string,
  item: Item | undefined,
): Promise<Contribution> {
  const applied = (item?.applied as Contribution | undefined) ?? {};
  const sealed = item?.[SEALED_COUNTERS] as Uint8Array | undefined;
  if (sealed === undefined) return applied;
  const what = `the sensitive metric counters of participant ${participantId}`;
  const key = await keyToOpen(db, tenantId, what);
  const sensitive = parsed<Contribution>(open(key, sealed, countersAad(tenantId, participantId), what));
  const whole: Contribution = { ...applied };
  for (const [ref, counters] of Object.entries(sensitive)) whole[ref] = { ...whole[ref], ...counters };
  return whole;
}

/**
 * The sensitive ESF characteristics sealed at rest: the table read whole (as a leaked export would
 * be) shows none of them, while the API, the export and the metrics see them as they were given.
 * A sealed value moved to another person or tenant does not open, and each tenant has its own key.
 */
import { randomBytes } from 'node:crypto';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { newId, schemas } from '@polku/domain';
import {
  type Db,
  dataKeysOf,
  getItem,
  getParticipant,
  type KeyWrapper,
  localKeyWrapper,
  participants,
  SealedDataError,
} from '@polku/storage';
import { keys } from '@polku/table';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectEveryone } from '../functions/api/src/metrics/reconcile.ts';
import { created, fundedGroupProgramme, organisationBody, participantBody } from './support/fixtures.ts';
import {
  type Caller,
  createHarness,
  createTestTenant,
  type Harness,
  scanTable,
  type TestTenant,
} from './support/harness.ts';

const SENSITIVE: readonly string[] = schemas.SENSITIVE_ESF_FIELDS;
const ALL_FIVE = Object.fromEntries(SENSITIVE.map((field) => [field, true]));
const NONE_OF_THEM = Object.fromEntries(SENSITIVE.map((field) => [field, false]));
const esfWith = (sensitive: Record<string, boolean>) => ({
  gender: 'man',
  labourMarketStatus: 'unemployed',
  unemployedSince: '2025-01-01',
  iscedLevel: 2,
  ...sensitive,
  rural: false,
});
/** The five as the field names and as the ESF+ indicators they are counted by (`third-country-national`). */
const NAMES = [
  ...SENSITIVE,
  ...SENSITIVE.map((field) => field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)),
];
/** Counts over everyone in a scope and month, not a person's: the ESF+ report is read from them. */
const AGGREGATES = new Set(['metrics-bucket', 'erased-metrics-bucket']);

/** Where an item names one of the five, in an attribute's name or in any text. Binary is not text. */
function namedIn(value: unknown, path: string): string[] {
  if (value instanceof Uint8Array) return [];
  if (typeof value === 'string') return NAMES.filter((name) => value.includes(name)).map(() => path);
  if (Array.isArray(value)) return value.flatMap((inner, i) => namedIn(inner, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => [
    ...(NAMES.some((name) => key.includes(name)) ? [`${path}.${key}`] : []),
    ...namedIn(inner, `${path}.${key}`),
  ]);
}

let harness: Harness;
let tenant: TestTenant;
let admin: Caller;
let coach: Caller;
let funded: { project: { id: string }; programme: { id: string }; group: { id: string } };

async function registered(caller: Caller, sensitive: Record<string, boolean>, firstName = 'Aarne') {
  return created(caller, '/v1/participants', participantBody({ firstName, esf: esfWith(sensitive) }));
}

/** Enrolled by the tenant admin, who gives the responsibility (the people are the admin's registrations). */
async function enrolledInFundedGroup(participantId: string, date = '2026-03-02') {
  return created(admin, '/v1/enrolments', {
    participantId,
    programmeId: funded.programme.id,
    groupId: funded.group.id,
    coachId: 'coach-helmi',
    stage: 'active',
    date,
  });
}

/** A participant's item with one attribute set by hand: what someone with write access to the table could do. */
async function overwrite(tenantId: string, participantId: string, name: string, value: unknown) {
  await harness.db.doc.send(
    new UpdateCommand({
      TableName: harness.tableName,
      Key: keys.participant(tenantId, participantId),
      UpdateExpression: 'SET #name = :value',
      ExpressionAttributeNames: { '#name': name },
      ExpressionAttributeValues: { ':value': value },
    }),
  );
}

const storedParticipant = async (tenantId: string, id: string) =>
  (await getItem(harness.db, keys.participant(tenantId, id)))!;

beforeAll(async () => {
  harness = await createHarness();
  tenant = await createTestTenant(harness, { name: 'Lieksa employment area' });
  admin = tenant.as('tenant_admin');
  coach = tenant.as('coach');
  const organisation = await created(admin, '/v1/organisations', organisationBody('Pielisen ohjaamo'));
  funded = await fundedGroupProgramme(admin, coach, organisation.id);
});

describe('the table read whole', () => {
  it('shows none of the five, by name or by value, in any record of a person', async () => {
    const people = [];
    for (const [i, firstName] of ['Aada', 'Eino', 'Siiri', 'Veikko'].entries()) {
      const person = await created(admin, '/v1/participants', {
        ...participantBody({ firstName, esf: esfWith(ALL_FIVE) }),
      });
      people.push(person);
      await enrolledInFundedGroup(person.id, `2026-0${i + 3}-02`);
    }
    // A keyed POST stores its answer for replays, and a change writes the record again.
    const keyed = await admin('POST', '/v1/participants', {
      body: participantBody({ firstName: 'Toivo', esf: esfWith(ALL_FIVE) }),
      headers: { 'Idempotency-Key': 'sealed-fields-toivo' },
    });
    expect(keyed.status).toBe(201);
    const changed = await admin('PATCH', `/v1/participants/${people[0].id}`, {
      body: { municipality: 'Lieksa' },
      headers: { 'If-Match': '"1"' },
    });
    expect(changed.status).toBe(200);
    await projectEveryone(harness.db, tenant.id, new Date());

    const items = await scanTable(harness);
    const found = items
      .filter((item) => !AGGREGATES.has(String(item.entity)))
      .flatMap((item) => namedIn(item, `${item.PK}|${item.SK}`));
    expect(found).toEqual([]);

    const stored = await storedParticipant(tenant.id, people[0].id);
    expect(Object.keys(stored.esf as object).sort()).toEqual(
      ['gender', 'iscedLevel', 'labourMarketStatus', 'rural', 'unemployedSince'].sort(),
    );
    expect(stored.sealedEsf).toBeInstanceOf(Uint8Array);
    // The person's metrics ledger holds what they add to the buckets: their sensitive counters sealed too.
    const ledger = await getItem(harness.db, keys.metricsLedger(tenant.id, people[0].id));
    expect(ledger?.sealedCounters).toBeInstanceOf(Uint8Array);
    expect(Object.keys(ledger?.applied as object).some((ref) => ref.includes('|ESF|'))).toBe(true);
    // The buckets themselves count everyone in the project: there the indicator is named, with a count.
    const buckets = items.filter((item) => item.entity === 'metrics-bucket');
    expect(
      buckets.some((bucket) => Object.keys(bucket).some((name) => name.startsWith('i:disability:'))),
    ).toBe(true);
  });

  it('is read back through the API as it was given, in the record, the export and the ESF+ report', async () => {
    const person = await registered(admin, ALL_FIVE, 'Elli');
    expect(person.esf).toMatchObject(ALL_FIVE);
    const read = await admin('GET', `/v1/participants/${person.id}`);
    expect(read.body.esf).toEqual(esfWith(ALL_FIVE));
    const exported = await admin('GET', `/v1/participants/${person.id}/export`);
    expect(exported.body.participant.esf).toEqual(esfWith(ALL_FIVE));

    const other = await registered(admin, { ...NONE_OF_THEM, homeless: true }, 'Onni');
    expect((await admin('GET', `/v1/participants/${other.id}`)).body.esf).toEqual(
      esfWith({ ...NONE_OF_THEM, homeless: true }),
    );
    // A change that leaves the five out keeps them, sealed again with a fresh IV.
    const before = (await storedParticipant(tenant.id, other.id)).sealedEsf as Uint8Array;
    const changed = await admin('PATCH', `/v1/participants/${other.id}`, {
      body: { esf: { gender: 'man', labourMarketStatus: 'employed', iscedLevel: 4 } },
      headers: { 'If-Match': '"1"' },
    });
    expect(changed.body.esf).toMatchObject({
      ...NONE_OF_THEM,
      homeless: true,
      labourMarketStatus: 'employed',
    });
    const after = (await storedParticipant(tenant.id, other.id)).sealedEsf as Uint8Array;
    expect(Buffer.from(after).equals(Buffer.from(before))).toBe(false);
    // Its length tells nothing: all five, none of them and one of them seal to the same size.
    const none = await registered(admin, NONE_OF_THEM, 'Nelli');
    const sizes = await Promise.all(
      [person, other, none].map(
        async (p) => ((await storedParticipant(tenant.id, p.id)).sealedEsf as Uint8Array).byteLength,
      ),
    );
    expect(new Set(sizes).size).toBe(1);
  });

  it('counts them in the ESF+ report as before', async () => {
    const own = await created(admin, '/v1/organisations', organisationBody('Kolin kylätalo'));
    const project = await fundedGroupProgramme(admin, coach, own.id);
    const people = [
      await registered(admin, ALL_FIVE, 'Hilja'),
      await registered(admin, { ...NONE_OF_THEM, disability: true }, 'Kalle'),
      await registered(admin, NONE_OF_THEM, 'Lempi'),
    ];
    for (const person of people) {
      await created(admin, '/v1/enrolments', {
        participantId: person.id,
        programmeId: project.programme.id,
        groupId: project.group.id,
        coachId: 'coach-helmi',
        stage: 'active',
        date: '2026-04-07',
      });
    }
    await projectEveryone(harness.db, tenant.id, new Date());
    const report = await admin('GET', `/v1/reports/esf?funding-project=${project.project.id}`);
    const total = (indicator: string) =>
      report.body.entry.find((row: { indicator: string }) => row.indicator === indicator).total.value;
    expect(total('disability')).toBe(2);
    expect(total('homeless')).toBe(1);
    expect(total('third-country-national')).toBe(1);
    expect(total('total')).toBe(3);
  });

  it('answers a keyed POST once with them, and its replay without: the stored answer is plain', async () => {
    const body = participantBody({ firstName: 'Martta', esf: esfWith(ALL_FIVE) });
    const headers = { 'Idempotency-Key': 'sealed-fields-martta' };
    const first = await admin('POST', '/v1/participants', { body, headers });
    expect(first.body.esf).toMatchObject(ALL_FIVE);
    const replay = await admin('POST', '/v1/participants', { body, headers });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(first.body.id);
    for (const field of SENSITIVE) expect(replay.body.esf).not.toHaveProperty(field);
    expect((await admin('GET', `/v1/participants/${first.body.id}`)).body.esf).toMatchObject(ALL_FIVE);
  });
});

describe('a sealed value', () => {
  it("moved to another participant's record does not open there: the read fails, it shows nothing", async () => {
    const aada = await registered(admin, ALL_FIVE, 'Aada');
    const bertta = await registered(admin, NONE_OF_THEM, 'Bertta');
    await overwrite(
      tenant.id,
      bertta.id,
      'sealedEsf',
      (await storedParticipant(tenant.id, aada.id)).sealedEsf,
    );

    await expect(getParticipant(harness.db, tenant.id, bertta.id)).rejects.toThrow(SealedDataError);
    await expect(getParticipant(harness.db, tenant.id, bertta.id)).rejects.toThrow(
      `the sensitive characteristics of participant ${bertta.id} could not be opened`,
    );
    const read = await admin('GET', `/v1/participants/${bertta.id}`);
    expect(read.status).toBe(500);
    expect(JSON.stringify(read.body)).not.toContain('esf');
    // The record it came from still opens.
    expect((await admin('GET', `/v1/participants/${aada.id}`)).body.esf).toMatchObject(ALL_FIVE);
  });

  it("moved to another tenant's participant does not open there either", async () => {
    const aada = await registered(admin, ALL_FIVE, 'Aada');
    const other = await createTestTenant(harness, { name: 'Nurmes employment area' });
    const hers = await registered(other.as('tenant_admin'), NONE_OF_THEM, 'Helka');
    await overwrite(other.id, hers.id, 'sealedEsf', (await storedParticipant(tenant.id, aada.id)).sealedEsf);
    await expect(getParticipant(harness.db, other.id, hers.id)).rejects.toThrow(SealedDataError);
    expect((await other.as('tenant_admin')('GET', `/v1/participants/${hers.id}`)).status).toBe(500);
  });

  it('altered by one bit does not open', async () => {
    const person = await registered(admin, ALL_FIVE, 'Iida');
    const sealed = Buffer.from((await storedParticipant(tenant.id, person.id)).sealedEsf as Uint8Array);
    sealed[sealed.length - 20]! ^= 1;
    await overwrite(tenant.id, person.id, 'sealedEsf', new Uint8Array(sealed));
    await expect(getParticipant(harness.db, tenant.id, person.id)).rejects.toThrow(SealedDataError);
  });
});

describe("a tenant's data key", () => {
  it('is its own: two tenants have different keys, and one wrapped for one tenant does not unwrap as the other', async () => {
    const first = await createTestTenant(harness, { name: 'Juuka employment area' });
    const second = await createTestTenant(harness, { name: 'Valtimo employment area' });
    await registered(first.as('tenant_admin'), ALL_FIVE);
    await registered(second.as('tenant_admin'), ALL_FIVE);
    const wrapper = harness.db.dataKeys!.wrapper;
    const [a, b] = await Promise.all(
      [first.id, second.id].map((id) => getItem(harness.db, keys.dataKey(id))),
    );
    expect(a?.entity).toBe('data-key');
    expect(JSON.stringify(a)).not.toMatch(/"key"/);
    const keyOf = (tenantId: string, item: typeof a) =>
      wrapper.unwrap(tenantId, item!.wrappedKey as Uint8Array, String(item!.keyId));
    const [keyA, keyB] = await Promise.all([keyOf(first.id, a), keyOf(second.id, b)]);
    expect(keyA).toHaveLength(32);
    expect(Buffer.from(keyA).equals(Buffer.from(keyB))).toBe(false);
    await expect(keyOf(second.id, a)).rejects.toThrow(SealedDataError);
  });

  it('is made once when the first records of a tenant are written at the same moment', async () => {
    const fresh = await createTestTenant(harness, { name: 'Rautavaara employment area' });
    const people = await Promise.all(
      Array.from({ length: 8 }, (_, i) => registered(fresh.as('tenant_admin'), ALL_FIVE, `Henkilö ${i}`)),
    );
    const keysOfTenant = (await scanTable(harness)).filter(
      (item) => item.entity === 'data-key' && item.tenantId === fresh.id,
    );
    expect(keysOfTenant).toHaveLength(1);
    for (const person of people) {
      expect((await fresh.as('tenant_admin')('GET', `/v1/participants/${person.id}`)).body.esf).toMatchObject(
        ALL_FIVE,
      );
    }
  });

  it('under another wrapping key opens nothing, and says which key it was wrapped under', async () => {
    const person = await registered(admin, ALL_FIVE, 'Jaakko');
    const wrongKey: Db = { ...harness.db, dataKeys: dataKeysOf(localKeyWrapper(randomBytes(32))) };
    await expect(getParticipant(wrongKey, tenant.id, person.id)).rejects.toThrow(
      new RegExp(`the data key of tenant ${tenant.id} was wrapped under local:[0-9a-f]{16}`),
    );
    // Nor when it is told to try whatever id the key was stored under: AES-GCM refuses the wrong key.
    const wrong = localKeyWrapper(randomBytes(32));
    const { keyId: wrongId } = await wrong.newDataKey(tenant.id);
    const trying: KeyWrapper = {
      newDataKey: wrong.newDataKey,
      unwrap: (tenantId, wrapped) => wrong.unwrap(tenantId, wrapped, wrongId),
    };
    const forged: Db = { ...harness.db, dataKeys: dataKeysOf(trying) };
    await expect(getParticipant(forged, tenant.id, person.id)).rejects.toThrow(
      `the data key of tenant ${tenant.id} could not be opened`,
    );
  });

  it('is unwrapped once per instance while it is cached, and again once the cache lapses', async () => {
    const person = await registered(admin, ALL_FIVE, 'Kerttu');
    const counting = (ttlMs: number) => {
      const unwraps: string[] = [];
      const wrapper = harness.db.dataKeys!.wrapper;
      const dataKeys = dataKeysOf(
        {
          newDataKey: wrapper.newDataKey,
          unwrap: (tenantId, wrapped, keyId) => {
            unwraps.push(tenantId);
            return wrapper.unwrap(tenantId, wrapped, keyId);
          },
        },
        ttlMs,
      );
      return { db: { ...harness.db, dataKeys }, unwraps };
    };
    const warm = counting(60_000);
    for (let i = 0; i < 5; i++) await getParticipant(warm.db, tenant.id, person.id);
    expect(warm.unwraps).toHaveLength(1);
    const lapsing = counting(0);
    for (let i = 0; i < 3; i++) await getParticipant(lapsing.db, tenant.id, person.id);
    expect(lapsing.unwraps).toHaveLength(3);
  });
});

describe('a participant stored before sealing', () => {
  it('reads as it was, counts, and is sealed by its next change', async () => {
    const at = new Date().toISOString();
    const person = {
      ...participantBody({ firstName: 'Vanha', esf: esfWith(ALL_FIVE) }),
      id: newId(),
      version: 1,
      createdAt: at,
      updatedAt: at,
      hasIdentityCode: false,
    } as schemas.Participant;
    await harness.db.doc.send(
      new PutCommand({ TableName: harness.tableName, Item: participants.item(tenant.id, person) }),
    );
    expect((await storedParticipant(tenant.id, person.id)).esf).toMatchObject(ALL_FIVE);
    expect((await admin('GET', `/v1/participants/${person.id}`)).body.esf).toEqual(esfWith(ALL_FIVE));

    const changed = await admin('PATCH', `/v1/participants/${person.id}`, {
      body: { municipality: 'Valtimo' },
      headers: { 'If-Match': '"1"' },
    });
    expect(changed.status).toBe(200);
    const stored = await storedParticipant(tenant.id, person.id);
    expect(namedIn(stored, 'participant')).toEqual([]);
    expect((await admin('GET', `/v1/participants/${person.id}`)).body.esf).toEqual(esfWith(ALL_FIVE));
  });
});

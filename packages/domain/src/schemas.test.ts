import { describe, expect, it } from 'vitest';
import { schemas } from './index.ts';

const ID = '01KAQ4T0Z8X2N5W7P9R3M6B1CD';
const OTHER_ID = '01KAQ4T0Z8X2N5W7P9R3M6B1CE';

const participant = {
  firstName: 'Aino',
  lastName: 'Virtanen',
  birthDate: '1952-10-13',
  municipality: 'Tampere',
  esf: { gender: 'woman', labourMarketStatus: 'unemployed', unemployedSince: '2025-11-01', iscedLevel: 3 },
};

const session = {
  programmeId: ID,
  kind: 'group-coaching',
  durationMinutes: 90,
  startsAt: '2026-09-01T07:00:00Z',
};

describe('request schemas', () => {
  it('refuse fields they do not know', () => {
    expect(schemas.ParticipantCreate.safeParse(participant).success).toBe(true);
    expect(schemas.ParticipantCreate.safeParse({ ...participant, tenantId: ID }).success).toBe(false);
    expect(
      schemas.ParticipantCreate.safeParse({ ...participant, esf: { ...participant.esf, salary: 1 } }).success,
    ).toBe(false);
  });

  it('accept an identity code only when it tells the same birth date', () => {
    const create = (identityCode: string, birthDate = participant.birthDate) =>
      schemas.ParticipantCreate.safeParse({ ...participant, identityCode, birthDate }).success;
    expect(create('131052-308T')).toBe(true);
    expect(create('131052-308T', '1952-10-14')).toBe(false);
    expect(create('131052-308U')).toBe(false);
  });

  it('allow unemployedSince only for the unemployed', () => {
    const esf = (labourMarketStatus: string) =>
      schemas.EsfCharacteristics.safeParse({ ...participant.esf, labourMarketStatus }).success;
    expect(esf('unemployed')).toBe(true);
    expect(esf('employed')).toBe(false);
    expect(esf('inactive')).toBe(false);
  });

  it('take self-assessment scores with a self-assessment milestone, and only with it', () => {
    const selfAssessment = { phase: 'start', confidence: 4, selfKnowledge: 6 };
    const milestone = (kind: string, extra = {}) =>
      schemas.MilestoneCreate.safeParse({ kind, date: '2026-03-02', ...extra }).success;
    expect(milestone('self-assessment', { selfAssessment })).toBe(true);
    expect(milestone('self-assessment')).toBe(false);
    expect(milestone('job-application', { selfAssessment })).toBe(false);
    expect(milestone('job-application')).toBe(true);
    expect(milestone('self-assessment', { selfAssessment: { ...selfAssessment, confidence: 11 } })).toBe(
      false,
    );
  });

  it('want a session for a group or for named participants, never both or neither', () => {
    const create = (extra: object) => schemas.SessionCreate.safeParse({ ...session, ...extra }).success;
    expect(create({ groupId: ID })).toBe(true);
    expect(create({ participantIds: [ID, OTHER_ID] })).toBe(true);
    expect(create({ groupId: ID, participantIds: [OTHER_ID] })).toBe(false);
    expect(create({})).toBe(false);
    expect(create({ participantIds: [ID, ID] })).toBe(false);
  });

  it('refuse dates that are not on the calendar', () => {
    expect(schemas.IsoDate.safeParse('2026-02-28').success).toBe(true);
    expect(schemas.IsoDate.safeParse('2024-02-29').success).toBe(true);
    expect(schemas.IsoDate.safeParse('2026-02-29').success).toBe(false);
    expect(schemas.IsoDate.safeParse('2026-02-30').success).toBe(false);
    expect(schemas.IsoDate.safeParse('2026-04-31').success).toBe(false);
    expect(schemas.IsoDate.safeParse('2026-9-1').success).toBe(false);
  });
});

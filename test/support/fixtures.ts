/** Valid request bodies, to be varied by the tests. */
import { type Caller, call, type Harness, requestToken } from './harness.ts';

export const organisationBody = (name = 'Ohjaamo Joensuu') => ({ name, kind: 'one-stop-guidance-centre' });

export const participantBody = (overrides: Record<string, unknown> = {}) => ({
  firstName: 'Aino',
  lastName: 'Korhonen',
  birthDate: '1999-05-04',
  municipality: 'Joensuu',
  esf: { gender: 'woman', labourMarketStatus: 'unemployed', unemployedSince: '2025-01-01', iscedLevel: 3 },
  ...overrides,
});

export async function created(caller: Caller, path: string, body: unknown) {
  const response = await caller('POST', path, { body });
  if (response.status !== 201)
    throw new Error(`POST ${path}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** An organisation, and a small-group programme run by it. */
export async function smallGroupProgramme(admin: Caller) {
  const organisation = await created(admin, '/v1/organisations', organisationBody());
  const programme = await created(admin, '/v1/programmes', {
    templateId: 'small-group-coaching',
    organisationId: organisation.id,
  });
  return { organisation, programme };
}

/** A programme funded by an ESF+ project, run by the organisation, with a Tuesday group. */
export async function fundedGroupProgramme(admin: Caller, coach: Caller, organisationId: string) {
  const project = await created(admin, '/v1/funding-projects', {
    code: 'S21999',
    name: 'Ilomantsin Ohjaamo 3.0',
    priorityAxis: '3. Employment and labour mobility',
    specificObjective: '6.1',
    periodStart: '2025-01-01',
    periodEnd: '2027-12-31',
  });
  const programme = await created(admin, '/v1/programmes', {
    templateId: 'small-group-coaching',
    name: 'Pienryhmä Kontiolahti 2026',
    organisationId,
    fundingProjectId: project.id,
  });
  const group = await created(coach, `/v1/programmes/${programme.id}/groups`, {
    name: 'Tiistairyhmä Kontiolahti',
    leaderName: 'Helmi Sarvas',
    meetingDays: ['TU'],
  });
  return { project, programme, group };
}

/** An outcome of the participant: a job on the open market from 1 December 2026. */
export const outcomeBody = (participantId: string, overrides: Record<string, unknown> = {}) => ({
  participantId,
  kind: 'employed-open-market',
  startDate: '2026-12-01',
  hoursPerWeek: 37.5,
  employerOrInstitution: 'Kesko Joensuu',
  source: 'employer',
  ...overrides,
});

/** A partner system bound to the organisation, registered by the tenant admin; its token is fetched once. */
export async function partnerOf(harness: Harness, admin: Caller, organisationId: string): Promise<Caller> {
  const client = await created(admin, '/v1/clients', {
    name: 'Case system',
    role: 'partner',
    organisationId,
  });
  const token: string = (await requestToken(harness, client)).body.access_token;
  return (method, path, options) => call(harness, token, method, path, options);
}

/** A valid identity code for participantBody's birth date (4 May 1999): the n-th of 898 distinct ones. */
export function identityCode(n: number): string {
  const individual = String(2 + (n % 898)).padStart(3, '0');
  const check = '0123456789ABCDEFHJKLMNPRSTUVWXY'[Number(`040599${individual}`) % 31];
  return `040599-${individual}${check}`;
}

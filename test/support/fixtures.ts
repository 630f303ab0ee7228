/** Valid request bodies, to be varied by the tests. */
import type { Caller } from './harness.ts';

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

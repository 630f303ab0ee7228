/**
 * Responsibility for a person is given, not taken: a coach becomes a participant's responsible coach
 * (and so sees their sensitive ESF characteristics) only when a tenant admin names it, when the coach
 * responsible now hands over, or as the first coach of a person it registered itself. It is
 * responsible while it is named on an open enrolment of theirs; the access ends with the enrolment.
 */
import { isExit, ResponsibilityNotGivenError } from '@polku/domain';
import { type Enrolment, enrolmentsOfParticipant, registrantOf } from '@polku/storage';
import type { AppContext } from './env.ts';

const isOpen = (enrolment: Enrolment) => !isExit(enrolment.stage);

/** The coaches responsible for the person now, and whether they have ever had an enrolment. */
async function responsibilityOf(c: AppContext, participantId: string) {
  const { db } = c.var.config;
  const all = await enrolmentsOfParticipant(db, c.var.principal.tenantId, participantId);
  return { responsible: new Set(all.filter(isOpen).map((e) => e.coachId)), everEnrolled: all.length > 0 };
}

/** Whether the caller is named as the coach of one of the participant's open enrolments. */
export async function isResponsibleCoach(c: AppContext, participantId: string): Promise<boolean> {
  return (await responsibilityOf(c, participantId)).responsible.has(c.var.principal.subject);
}

export const responsibilityNotGiven = () =>
  new ResponsibilityNotGivenError(
    'a coach becomes responsible for a person only when a tenant admin or the coach responsible now gives it',
  );

/**
 * Whether the caller may make `coachId` responsible for the person on a new enrolment: a tenant admin
 * names anyone; a coach names a coach already responsible, anyone while it is responsible itself, or
 * anyone for a person it registered who has had no enrolment yet. The enrolments and the registrant
 * are read at once: one round trip.
 */
export async function mayMakeResponsible(
  c: AppContext,
  participantId: string,
  coachId: string,
): Promise<boolean> {
  const { role, subject, tenantId } = c.var.principal;
  if (role === 'tenant_admin') return true;
  const [{ responsible, everEnrolled }, registrant] = await Promise.all([
    responsibilityOf(c, participantId),
    registrantOf(c.var.config.db, tenantId, participantId),
  ]);
  if (responsible.has(coachId) || responsible.has(subject)) return true;
  return !everEnrolled && registrant?.id === subject;
}

/** Refuses (403) a handover by anyone but a tenant admin and the enrolment's own coach. */
export function assertMayHandOver(c: AppContext, enrolment: Enrolment): void {
  const { role, subject } = c.var.principal;
  if (role !== 'tenant_admin' && enrolment.coachId !== subject) throw responsibilityNotGiven();
}

/**
 * Least exposure of the sensitive ESF characteristics: a participant record leaves the API with them
 * only for a caller SENSITIVE_DATA_SHOWN (@polku/auth) names; everyone else gets it without them.
 */
import { sensitiveDataScope } from '@polku/auth';
import { schemas } from '@polku/domain';
import type { Participant } from '@polku/storage';
import type { AppContext } from './env.ts';
import { isResponsibleCoach } from './responsibility.ts';

type Esf = Participant['esf'];

/** Whether the caller is shown the participant's sensitive characteristics. */
export async function seesSensitiveDataOf(c: AppContext, participantId: string): Promise<boolean> {
  const scope = sensitiveDataScope(c.var.principal.role);
  if (scope === 'responsible-coach') return isResponsibleCoach(c, participantId);
  return scope === 'every-participant';
}

/**
 * Whether the caller is shown them back when registering a participant. A participant registered just
 * now has no enrolments, so no coach is responsible yet: the same answer a read would give.
 */
export function seesSensitiveDataOfNew(c: AppContext): boolean {
  return sensitiveDataScope(c.var.principal.role) === 'every-participant';
}

/** The record as the caller may see it. */
export function participantAsShown(participant: Participant, shown: boolean): Participant {
  if (shown) return participant;
  const esf = Object.entries(participant.esf).filter(([field]) => !schemas.isSensitiveEsfField(field));
  return { ...participant, esf: Object.fromEntries(esf) as Esf };
}

/** Only the sensitive characteristics. */
function sensitiveDataOf(esf: Esf): Partial<Esf> {
  return Object.fromEntries(Object.entries(esf).filter(([field]) => schemas.isSensitiveEsfField(field)));
}

/**
 * A change of the characteristics that leaves out a sensitive one keeps its stored value: a caller
 * who is not shown them can send back what it read without clearing them.
 */
export function keepingSensitiveData<P extends { esf?: Partial<Esf> | undefined }>(
  patch: P,
  current: Participant | undefined,
): P {
  if (!patch.esf || !current) return patch;
  return { ...patch, esf: { ...sensitiveDataOf(current.esf), ...patch.esf } };
}

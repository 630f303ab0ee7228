/** The enrolment lifecycle: applied → waitlisted → enrolled → active → completed | discontinued. */

export const ENROLMENT_STAGES = [
  'applied',
  'waitlisted',
  'enrolled',
  'active',
  'completed',
  'discontinued',
] as const;
export type EnrolmentStage = (typeof ENROLMENT_STAGES)[number];

const NEXT: Record<EnrolmentStage, readonly EnrolmentStage[]> = {
  applied: ['waitlisted', 'enrolled', 'discontinued'],
  waitlisted: ['enrolled', 'discontinued'],
  enrolled: ['active', 'discontinued'],
  active: ['completed', 'discontinued'],
  completed: [],
  discontinued: [],
};

export function allowedNextStages(stage: EnrolmentStage): readonly EnrolmentStage[] {
  return NEXT[stage];
}

export function canMoveTo(from: EnrolmentStage, to: EnrolmentStage): boolean {
  return NEXT[from].includes(to);
}

/** Stages in which an enrolment holds a seat in its group. */
export function holdsSeat(stage: EnrolmentStage): boolean {
  return stage === 'enrolled' || stage === 'active';
}

/** Stages after which the enrolment is over (the participant has exited). */
export function isExit(stage: EnrolmentStage): boolean {
  return stage === 'completed' || stage === 'discontinued';
}

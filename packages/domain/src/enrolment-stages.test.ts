import { describe, expect, it } from 'vitest';
import {
  allowedNextStages,
  canMoveTo,
  ENROLMENT_STAGES,
  type EnrolmentStage,
  holdsSeat,
  isExit,
} from './enrolment-stages.ts';

const EXPECTED: Record<EnrolmentStage, EnrolmentStage[]> = {
  applied: ['waitlisted', 'enrolled', 'discontinued'],
  waitlisted: ['enrolled', 'discontinued'],
  enrolled: ['active', 'discontinued'],
  active: ['completed', 'discontinued'],
  completed: [],
  discontinued: [],
};

describe('enrolment stages', () => {
  it('move only forward along the lifecycle', () => {
    for (const from of ENROLMENT_STAGES) {
      expect(allowedNextStages(from)).toEqual(EXPECTED[from]);
      for (const to of ENROLMENT_STAGES) {
        expect(canMoveTo(from, to), `${from} → ${to}`).toBe(EXPECTED[from].includes(to));
      }
    }
  });

  it('never move back, nor stay put', () => {
    expect(canMoveTo('active', 'enrolled')).toBe(false);
    expect(canMoveTo('enrolled', 'waitlisted')).toBe(false);
    for (const stage of ENROLMENT_STAGES) expect(canMoveTo(stage, stage)).toBe(false);
  });

  it('cannot skip from applied straight to active or completed', () => {
    expect(canMoveTo('applied', 'active')).toBe(false);
    expect(canMoveTo('applied', 'completed')).toBe(false);
  });

  it('end for good once completed or discontinued', () => {
    for (const to of ENROLMENT_STAGES) {
      expect(canMoveTo('completed', to)).toBe(false);
      expect(canMoveTo('discontinued', to)).toBe(false);
    }
  });

  it('hold a seat in the group only while enrolled or active', () => {
    expect(ENROLMENT_STAGES.filter(holdsSeat)).toEqual(['enrolled', 'active']);
  });

  it('count as an exit only when completed or discontinued', () => {
    expect(ENROLMENT_STAGES.filter(isExit)).toEqual(['completed', 'discontinued']);
  });
});

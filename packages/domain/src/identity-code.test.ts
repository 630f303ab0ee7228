import { describe, expect, it } from 'vitest';
import { canonicalIdentityCode, isValidIdentityCode, parseIdentityCode } from './identity-code.ts';

// 010101 + 123 gives check character N (10101123 mod 31 = 12) whatever the century sign.
const SIGNS_BY_CENTURY = {
  '1801-01-01': ['+'],
  '1901-01-01': ['-', 'Y', 'X', 'W', 'V', 'U'],
  '2001-01-01': ['A', 'B', 'C', 'D', 'E', 'F'],
};

describe('parseIdentityCode', () => {
  it('reads the birth date of the textbook example 131052-308T', () => {
    expect(parseIdentityCode('131052-308T')).toEqual({ birthDate: '1952-10-13' });
  });

  for (const [birthDate, signs] of Object.entries(SIGNS_BY_CENTURY)) {
    for (const sign of signs) {
      it(`reads century sign ${sign} as a birth on ${birthDate}`, () => {
        expect(parseIdentityCode(`010101${sign}123N`)).toEqual({ birthDate });
      });
    }
  }

  it('refuses a code whose check character is wrong', () => {
    expect(isValidIdentityCode('131052-308U')).toBe(false);
    expect(isValidIdentityCode('010101A123P')).toBe(false);
  });

  it('refuses dates that do not exist, even with a correct check character', () => {
    expect(isValidIdentityCode('310299-1234')).toBe(false); // 31 February
    expect(isValidIdentityCode('310499-123R')).toBe(false); // 31 April
    expect(isValidIdentityCode('000199-123A')).toBe(false); // day 0
    expect(isValidIdentityCode('011399-123M')).toBe(false); // month 13
  });

  it('accepts the last day of a short month', () => {
    expect(parseIdentityCode('300499-1233')).toEqual({ birthDate: '1999-04-30' });
  });

  it('knows 2000 was a leap year and 1900, 1800 and 2001 were not', () => {
    expect(parseIdentityCode('290200A1239')).toEqual({ birthDate: '2000-02-29' });
    expect(isValidIdentityCode('290200-1239')).toBe(false);
    expect(isValidIdentityCode('290200+1239')).toBe(false);
    expect(isValidIdentityCode('290201A123J')).toBe(false);
  });

  it('refuses the individual numbers 000 and 001, which are never issued', () => {
    expect(isValidIdentityCode('131052-000V')).toBe(false);
    expect(isValidIdentityCode('131052-001W')).toBe(false);
    expect(isValidIdentityCode('131052-002X')).toBe(true);
  });

  it('accepts lower case and surrounding spaces', () => {
    expect(parseIdentityCode('010101a123n')).toEqual({ birthDate: '2001-01-01' });
    expect(parseIdentityCode('  131052-308t ')).toEqual({ birthDate: '1952-10-13' });
  });

  it.each([
    '',
    '131052308T',
    '131052-308',
    '131052-308TT',
    '1310521-308T',
    '131052Z308T',
    '131052G308T',
    '13105-2308T',
    '131052-3O8T',
  ])('refuses the malformed code %j', (code) => {
    expect(parseIdentityCode(code)).toBeUndefined();
  });
});

describe('canonicalIdentityCode', () => {
  it('folds the 1900s signs to - and the 2000s signs to A', () => {
    for (const sign of SIGNS_BY_CENTURY['1901-01-01']) {
      expect(canonicalIdentityCode(`010101${sign}123N`)).toBe('010101-123N');
    }
    for (const sign of SIGNS_BY_CENTURY['2001-01-01']) {
      expect(canonicalIdentityCode(`010101${sign}123N`)).toBe('010101A123N');
    }
  });

  it('keeps the 1800s sign, and upper-cases and trims', () => {
    expect(canonicalIdentityCode('010101+123N')).toBe('010101+123N');
    expect(canonicalIdentityCode(' 010101b123n ')).toBe('010101A123N');
  });
});

import { describe, expect, it } from 'vitest';
import { isValidBusinessId } from './business-id.ts';

describe('isValidBusinessId', () => {
  it('accepts real business ids, including one whose check digit is 0', () => {
    expect(isValidBusinessId('0201256-6')).toBe(true);
    expect(isValidBusinessId('1572860-0')).toBe(true);
    expect(isValidBusinessId('1234567-1')).toBe(true);
  });

  it('refuses a wrong check digit', () => {
    expect(isValidBusinessId('0201256-5')).toBe(false);
    expect(isValidBusinessId('0201256-7')).toBe(false);
    expect(isValidBusinessId('1572860-1')).toBe(false);
  });

  it('refuses every check digit when the weighted sum leaves remainder 1, as such ids are never issued', () => {
    // 0000006: 2 × 6 = 12, and 12 mod 11 = 1.
    for (let digit = 0; digit <= 9; digit++) {
      expect(isValidBusinessId(`0000006-${digit}`)).toBe(false);
    }
  });

  it('accepts surrounding spaces', () => {
    expect(isValidBusinessId(' 0201256-6 ')).toBe(true);
  });

  it.each(['', '02012566', '201256-6', '00201256-6', '0201256-66', '0201256–6', 'FI02012566', '020125a-6'])(
    'refuses the malformed id %j',
    (id) => {
      expect(isValidBusinessId(id)).toBe(false);
    },
  );
});

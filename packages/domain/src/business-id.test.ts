import { describe, expect, it } from 'vitest';
import { businessIdFrom, isValidBusinessId } from './business-id.ts';

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

describe('businessIdFrom', () => {
  it('completes seven digits with their check digit', () => {
    expect(businessIdFrom('0201256')).toBe('0201256-6');
    expect(businessIdFrom('1572860')).toBe('1572860-0');
  });

  it('gives nothing where no check digit exists or the digits are not seven', () => {
    expect(businessIdFrom('0000006')).toBeUndefined();
    expect(businessIdFrom('123456')).toBeUndefined();
  });

  it('only ever gives valid ids', () => {
    for (let n = 0; n < 2000; n++) {
      const id = businessIdFrom(String(n * 4999).padStart(7, '0'));
      if (id) expect(isValidBusinessId(id)).toBe(true);
    }
  });
});

/** Finnish business ID (Y-tunnus): seven digits, a hyphen and a mod-11 check digit. */

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2];

export function isValidBusinessId(raw: string): boolean {
  const match = /^(\d{7})-(\d)$/.exec(raw.trim());
  if (!match) return false;
  const digits = match[1]!;
  const sum = WEIGHTS.reduce((total, weight, i) => total + weight * Number(digits[i]), 0);
  const remainder = sum % 11;
  if (remainder === 1) return false;
  const check = remainder === 0 ? 0 : 11 - remainder;
  return check === Number(match[2]);
}

/** The business id with the check digit for seven digits, or undefined where none exists (remainder 1). */
export function businessIdFrom(sevenDigits: string): string | undefined {
  if (!/^\d{7}$/.test(sevenDigits)) return undefined;
  const sum = WEIGHTS.reduce((total, weight, i) => total + weight * Number(sevenDigits[i]), 0);
  const remainder = sum % 11;
  if (remainder === 1) return undefined;
  return `${sevenDigits}-${remainder === 0 ? 0 : 11 - remainder}`;
}

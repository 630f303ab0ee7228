/**
 * Finnish personal identity code (henkilötunnus): DDMMYY, century sign, individual number, check character.
 * Century signs after the 2023 reform: + (1800s); -, Y, X, W, V, U (1900s); A, B, C, D, E, F (2000s).
 */

const CHECK_CHARACTERS = '0123456789ABCDEFHJKLMNPRSTUVWXY';
const CENTURY: Record<string, number> = {
  '+': 1800,
  '-': 1900,
  Y: 1900,
  X: 1900,
  W: 1900,
  V: 1900,
  U: 1900,
  A: 2000,
  B: 2000,
  C: 2000,
  D: 2000,
  E: 2000,
  F: 2000,
};
const SHAPE = /^(\d{2})(\d{2})(\d{2})([-+A-FU-Y])(\d{3})([0-9A-Y])$/;

export interface IdentityCodeInfo {
  birthDate: string;
}

/** The birth date it encodes, or undefined if the code is malformed or its check character is wrong. */
export function parseIdentityCode(raw: string): IdentityCodeInfo | undefined {
  const code = raw.trim().toUpperCase();
  const match = SHAPE.exec(code);
  if (!match) return undefined;
  const [, dd, mm, yy, sign, individual, check] = match as unknown as string[];
  const century = CENTURY[sign!];
  if (century === undefined) return undefined;
  const year = century + Number(yy);
  const date = new Date(Date.UTC(year, Number(mm) - 1, Number(dd)));
  if (
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== Number(mm) - 1 ||
    date.getUTCDate() !== Number(dd)
  ) {
    return undefined;
  }
  if (Number(individual) < 2) return undefined;
  const expected = CHECK_CHARACTERS[Number(`${dd}${mm}${yy}${individual}`) % 31];
  if (expected !== check) return undefined;
  return { birthDate: date.toISOString().slice(0, 10) };
}

export function isValidIdentityCode(raw: string): boolean {
  return parseIdentityCode(raw) !== undefined;
}

/** The canonical form used for hashing: upper case, and the 1900s/2000s sign variants folded. */
export function canonicalIdentityCode(raw: string): string {
  const code = raw.trim().toUpperCase();
  const sign = code[6] ?? '';
  const folded = CENTURY[sign] === 1900 ? '-' : CENTURY[sign] === 2000 ? 'A' : sign;
  return `${code.slice(0, 6)}${folded}${code.slice(7)}`;
}

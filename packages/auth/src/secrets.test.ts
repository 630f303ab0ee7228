import { describe, expect, it } from 'vitest';
import { generateSecret, hashSecret, SECRET_SLOTS, verifySecret, verifySecretAmong } from './secrets.ts';

const secret = generateSecret();
const stored = await hashSecret(secret);

describe('client secrets', () => {
  it('verify with the right secret only', async () => {
    expect(await verifySecret(secret, stored)).toBe(true);
    expect(await verifySecret(`${secret}x`, stored)).toBe(false);
    expect(await verifySecret('', stored)).toBe(false);
  });

  it('are stored salted, never as themselves', async () => {
    expect(stored).not.toContain(secret);
    expect(stored).toMatch(/^scrypt\$/);
    expect(await hashSecret(secret)).not.toBe(stored);
  });

  it("are hashed at Polku's cost unless told otherwise, and checked at the cost they were stored with", async () => {
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$/);
    const cheaper = await hashSecret(secret, { N: 2 ** 10, r: 8, p: 1 });
    expect(cheaper).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(await verifySecret(secret, cheaper)).toBe(true);
    expect(await verifySecret(`${secret}x`, cheaper)).toBe(false);
  });

  it('are each different', () => {
    expect(generateSecret()).not.toBe(secret);
    expect(secret.length).toBeGreaterThanOrEqual(43);
  });

  it.each([
    { what: 'an empty stored hash', hash: '' },
    { what: 'plain text', hash: 'nonsense' },
    { what: 'a bare scheme', hash: 'scrypt$' },
    { what: 'a hash of another scheme', hash: stored.replace(/^scrypt/, 'bcrypt') },
    { what: 'a hash without its key', hash: stored.replace(/\$[^$]*$/, '$') },
    { what: 'a hash with a truncated key', hash: stored.replace(/\$[^$]*$/, '$AAAA') },
    { what: 'a hash whose cost is not a number', hash: stored.replace(/^scrypt\$\d+/, 'scrypt$lots') },
    { what: 'a hash whose cost is not a power of two', hash: stored.replace(/^scrypt\$\d+/, 'scrypt$3') },
  ])('match nothing, without throwing, against $what', async ({ hash }) => {
    await expect(verifySecret(secret, hash)).resolves.toBe(false);
  });
});

describe('verifying among a client’s secrets', () => {
  it('matches the current or the previous secret, and nothing else', async () => {
    const previous = await hashSecret('old');
    expect(await verifySecretAmong(secret, [stored, previous])).toBe(true);
    expect(await verifySecretAmong('old', [stored, previous])).toBe(true);
    expect(await verifySecretAmong('other', [stored, previous])).toBe(false);
    expect(await verifySecretAmong(secret, [])).toBe(false);
    expect(await verifySecretAmong(secret, [undefined, ''])).toBe(false);
  });

  it('spends the same number of verifications whatever the client has', async () => {
    const previous = await hashSecret('old');
    for (const hashes of [[], [undefined], [stored], [stored, previous], ['', previous]]) {
      const seen: string[] = [];
      const counting = (candidate: string, hash: string) => {
        seen.push(hash);
        return verifySecret(candidate, hash);
      };
      expect(await verifySecretAmong(secret, hashes, counting)).toBe(hashes[0] === stored);
      expect(seen, JSON.stringify(hashes)).toHaveLength(SECRET_SLOTS);
      expect(seen.every((hash) => hash.startsWith('scrypt$'))).toBe(true);
    }
  });
});

import { createHash } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A PocketBase record id (15 characters of [a-z0-9], its default id pattern) derived from what makes a record
 * unique: the same record sent twice (a reply lost, a daemon killed before it noted the upload) has the same id,
 * and PocketBase refuses the second copy instead of storing it. 15 base-36 characters hold 77 bits.
 */
export function recordId(...parts: string[]): string {
  const digest = createHash('sha256').update(parts.join('\0')).digest();
  let id = '';
  for (let index = 0; index < 15; index++) id += ALPHABET[(digest[index] as number) % ALPHABET.length];
  return id;
}

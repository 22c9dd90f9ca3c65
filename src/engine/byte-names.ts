/*
 * Names that are not valid UTF-8 (`\xff\xfe.bin`, a folder `dir-\xff`) are synced byte for byte. Paths travel
 * through the engine, its threads and its cache as strings; in such a name, each byte that is not part of a
 * valid UTF-8 sequence is the lone surrogate U+DC00 + byte (Python's "surrogateescape"), which no valid name
 * holds: two names that differ in bytes stay two strings (`\xff.txt` beside `\xef\xbf\xbd.txt`). At fs calls
 * such a path becomes its exact bytes (fsPath); shown to a user, each escaped byte reads `\xff` (displayPath).
 */

const ESCAPED_BYTE = /[\uDC80-\uDCFF]/;

/** A name read as bytes: valid UTF-8 as it is, any other byte as its escape. */
export function decodeNameBytes(bytes: Buffer): string {
  const valid = bytes.toString('utf8');
  if (!valid.includes('\uFFFD') || Buffer.from(valid).equals(bytes)) return valid;
  let decoded = '';
  let at = 0;
  while (at < bytes.length) {
    const length = utf8SequenceLength(bytes, at);
    if (length > 0) {
      decoded += bytes.toString('utf8', at, at + length);
      at += length;
    } else {
      decoded += String.fromCharCode(0xdc00 + (bytes[at] ?? 0));
      at++;
    }
  }
  return decoded;
}

/** What to hand to fs for a path: the string itself, or the exact bytes of a path holding escaped bytes. */
export function fsPath(path: string): string | Buffer {
  if (!ESCAPED_BYTE.test(path)) return path;
  const parts: Buffer[] = [];
  for (const character of path) {
    const escapedByte = escapedByteOf(character);
    parts.push(escapedByte === undefined ? Buffer.from(character) : Buffer.from([escapedByte]));
  }
  return Buffer.concat(parts);
}

/** A path as a user reads it: each escaped byte as `\xNN`. */
export function displayPath(path: string): string {
  if (!ESCAPED_BYTE.test(path)) return path;
  let shown = '';
  for (const character of path) {
    const escapedByte = escapedByteOf(character);
    shown += escapedByte === undefined ? character : `\\x${escapedByte.toString(16).padStart(2, '0')}`;
  }
  return shown;
}

// A lone low surrogate (for…of yields a valid pair as one character of length 2).
function escapedByteOf(character: string): number | undefined {
  const code = character.charCodeAt(0);
  return character.length === 1 && code >= 0xdc80 && code <= 0xdcff ? code - 0xdc00 : undefined;
}

// The length of the valid UTF-8 sequence at `at`, or 0 when the byte there starts none.
function utf8SequenceLength(bytes: Buffer, at: number): number {
  const lead = bytes[at] ?? 0;
  if (lead < 0x80) return 1;
  if (lead < 0xc2 || lead > 0xf4) return 0;
  const length = lead <= 0xdf ? 2 : lead <= 0xef ? 3 : 4;
  const sequence = bytes.subarray(at, at + length);
  if (sequence.length < length) return 0;
  return Buffer.from(sequence.toString('utf8')).equals(sequence) ? length : 0;
}

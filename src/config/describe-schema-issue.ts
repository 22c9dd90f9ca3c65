import { closest, distance } from 'fastest-levenshtein';
import type * as z from 'zod';
import { CRON_EXPECTATION } from './describe-cron-error.js';
import type { KeyPath } from './format-key-path.js';
import { DURATION_EXPECTATION } from './parse-duration.js';

/** A schema failure put in a user's words: where it is, whether to point at the key or its value, and what is wrong. */
export interface DescribedIssue {
  keyPath: KeyPath;
  at: 'key' | 'value';
  message: string;
}

// For a missing key, its type says less than what it holds.
const EXPECTED_BY_KEY: Record<string, string> = {
  interval: DURATION_EXPECTATION,
  expression: CRON_EXPECTATION,
  source_path: 'the path of the folder to mirror',
  destination_path: 'the path of the folder to write the mirror to',
  sync_job_id: 'the id of a sync job',
};

const EXPECTED_TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a table',
};

/** Translates zod's issues; the schema is needed to list the keys an unknown key may have been meant as. */
export function describeSchemaIssue(issue: z.core.$ZodIssue, schema: z.ZodType): DescribedIssue[] {
  const keyPath = issue.path as KeyPath;
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        keyPath: [...keyPath, key],
        at: 'key',
        message: describeUnknownKey(key, schema, keyPath, input),
      }));
    case 'invalid_type': {
      const expected = EXPECTED_TYPE_NAMES[issue.expected] ?? issue.expected;
      if (input === undefined) {
        const described = EXPECTED_BY_KEY[String(keyPath.at(-1))] ?? expected;
        return [{ keyPath, at: 'key', message: `missing required key, expected ${described}` }];
      }
      return [
        {
          keyPath,
          at: 'value',
          message: `found ${describeValue(input)}, expected ${expected}${hintFor(keyPath, input)}`,
        },
      ];
    }
    case 'invalid_union': {
      // A discriminated union (schedule.type) reports the whole object as input; what was wrong is its `type`.
      if ('discriminator' in issue && typeof issue.discriminator === 'string') {
        const options = (issue as { options?: unknown[] }).options ?? [];
        const found = (input as Record<string, unknown> | undefined)?.[issue.discriminator];
        const expected = `one of ${options.map((option) => JSON.stringify(option)).join(', ')}`;
        if (found === undefined)
          return [{ keyPath, at: 'key', message: `missing required key, expected ${expected}` }];
        return [{ keyPath, at: 'value', message: `found ${describeValue(found)}, expected ${expected}` }];
      }
      return [{ keyPath, at: 'value', message: `found ${describeValue(input)}, expected ${issue.message}` }];
    }
    case 'invalid_value': {
      const values = issue.values.map((value) => JSON.stringify(value));
      const expected = values.length === 1 ? values[0] : `one of ${values.join(', ')}`;
      return [
        {
          keyPath,
          at: 'value',
          message: `found ${describeValue(input)}, expected ${expected}${suggestValue(input, issue.values)}`,
        },
      ];
    }
    case 'too_small': {
      // Numbers get a generated message; lists and strings carry their own (see schema.ts).
      const expected =
        issue.origin === 'number' ? `a whole number of at least ${String(issue.minimum)}` : issue.message;
      return [{ keyPath, at: 'value', message: `found ${describeValue(input)}, expected ${expected}` }];
    }
    default:
      // Custom checks (durations, cron, ids, URLs) put what they expected in the message.
      return [{ keyPath, at: 'value', message: `found ${describeValue(input)}, expected ${issue.message}` }];
  }
}

/** How a value reads back to a user: strings quoted, containers by kind, so the message matches what they wrote. */
function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (value instanceof Date) return 'a date';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a table';
  return String(value);
}

function hintFor(keyPath: KeyPath, input: unknown): string {
  if (keyPath.at(-1) === 'interval' && typeof input === 'number') return ` (a duration, e.g. "${input}s")`;
  return '';
}

function suggestValue(input: unknown, values: readonly unknown[]): string {
  if (typeof input !== 'string') return '';
  const candidates = values.filter((value): value is string => typeof value === 'string');
  const match = closestWithin(input, candidates);
  return match ? `; did you mean "${match}"?` : '';
}

function describeUnknownKey(key: string, schema: z.ZodType, parentPath: KeyPath, input: unknown): string {
  const { known, elsewhere } = findKnownKeys(schema, parentPath, input);
  const owner = elsewhere.get(key);
  if (owner) return `unknown key "${key}" here: it belongs to a schedule of type "${owner}"`;
  const match = closestWithin(key, known);
  const suggestion = match
    ? `; did you mean "${match}"?`
    : known.length > 0
      ? `; known keys: ${known.join(', ')}`
      : '';
  return `unknown key "${key}"${suggestion}`;
}

function closestWithin(word: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const match = closest(word.toLowerCase(), [...candidates]);
  // Beyond a third of the word, a "did you mean" is more confusing than helpful.
  return distance(word.toLowerCase(), match) <= Math.max(2, Math.floor(word.length / 3)) ? match : undefined;
}

interface SchemaDefinition {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  options?: z.ZodType[];
  discriminator?: string;
  values?: unknown[];
}

function definitionOf(schema: z.ZodType): SchemaDefinition {
  return (schema as unknown as { def: SchemaDefinition }).def;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let definition = definitionOf(current); definition.innerType; definition = definitionOf(current)) {
    current = definition.innerType;
  }
  return current;
}

// Walks the schema along the path to the table that held the unknown key; for a discriminated union it
// picks the variant the user chose and remembers which variant owns each of the other keys.
function findKnownKeys(
  schema: z.ZodType,
  keyPath: KeyPath,
  input: unknown,
): { known: string[]; elsewhere: Map<string, string> } {
  let current: z.ZodType | undefined = unwrap(schema);
  for (const segment of keyPath) {
    if (!current) break;
    const definition = definitionOf(current);
    const next: z.ZodType | undefined =
      typeof segment === 'number' ? definition.element : definition.shape?.[String(segment)];
    current = next ? unwrap(next) : undefined;
  }
  const elsewhere = new Map<string, string>();
  if (!current) return { known: [], elsewhere };
  const definition = definitionOf(current);
  if (definition.type === 'union' && definition.discriminator && definition.options) {
    const discriminator = definition.discriminator;
    const chosen = (input as Record<string, unknown> | undefined)?.[discriminator];
    let known: string[] = [];
    for (const option of definition.options) {
      const shape = definitionOf(option).shape ?? {};
      const literal = shape[discriminator] ? definitionOf(shape[discriminator]).values?.[0] : undefined;
      if (literal === chosen) known = Object.keys(shape);
      else
        for (const key of Object.keys(shape)) if (key !== discriminator) elsewhere.set(key, String(literal));
    }
    for (const key of known) elsewhere.delete(key);
    return { known, elsewhere };
  }
  return { known: Object.keys(definition.shape ?? {}), elsewhere };
}

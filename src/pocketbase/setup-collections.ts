import type PocketBase from 'pocketbase';
import { COLLECTIONS, type CollectionSpec, type FieldSpec, READ_RULE } from './collection-schemas.js';
import { describePocketBaseError, PocketBaseError } from './connect-pocketbase.js';

export interface CollectionSetup {
  name: string;
  outcome: 'created' | 'updated' | 'unchanged';
  /** What an update changed: fields added, rules or the unique index set. */
  changes: string[];
}

type ExistingField = Record<string, unknown> & { name: string; type: string };
type ExistingCollection = { id: string; fields: ExistingField[]; indexes?: string[] } & Record<
  string,
  unknown
>;

const RULES = {
  listRule: READ_RULE,
  viewRule: READ_RULE,
  createRule: null,
  updateRule: null,
  deleteRule: null,
};

/**
 * Creates the collections sync-daemon reads, or brings existing ones up to date, idempotently: missing fields are
 * added (fields of the user's own are kept), the access rules and the unique index set. A field of ours with
 * another type is refused rather than changed: converting it could lose what the dashboard holds.
 */
export async function setupCollections(client: PocketBase): Promise<CollectionSetup[]> {
  const results: CollectionSetup[] = [];
  for (const spec of COLLECTIONS) results.push(await setupCollection(client, spec));
  return results;
}

async function setupCollection(client: PocketBase, spec: CollectionSpec): Promise<CollectionSetup> {
  const existing = await findCollection(client, spec.name);
  const index = uniqueIndex(spec);
  if (!existing) {
    await call(client, `creating collection ${spec.name}`, () =>
      client.collections.create({
        name: spec.name,
        type: 'base',
        fields: spec.fields.map(toField),
        indexes: [index],
        ...RULES,
      }),
    );
    return { name: spec.name, outcome: 'created', changes: [] };
  }
  const changes: string[] = [];
  const fields = [...existing.fields];
  for (const wanted of spec.fields) {
    const found = fields.find((field) => field.name === wanted.name);
    if (!found) {
      fields.push(toField(wanted));
      changes.push(`field ${wanted.name} added`);
    } else if (found.type !== wanted.type)
      throw new PocketBaseError(
        'POCKETBASE_REFUSED',
        `collection ${spec.name}: field ${wanted.name} is a ${found.type} field, sync-daemon needs ${wanted.type}; ` +
          'change or remove it in the dashboard, then run setup again',
      );
  }
  for (const [rule, value] of Object.entries(RULES))
    if (existing[rule] !== value)
      changes.push(`${rule} set to ${value === null ? 'superusers only' : value}`);
  const indexes = existing.indexes ?? [];
  const hasIndex = indexes.some((candidate) => normalize(candidate) === normalize(index));
  if (!hasIndex) changes.push(`unique index on ${spec.uniqueField}`);
  if (changes.length === 0) return { name: spec.name, outcome: 'unchanged', changes };
  await call(client, `updating collection ${spec.name}`, () =>
    client.collections.update(existing.id, {
      fields,
      indexes: hasIndex ? indexes : [...indexes, index],
      ...RULES,
    }),
  );
  return { name: spec.name, outcome: 'updated', changes };
}

async function findCollection(client: PocketBase, name: string): Promise<ExistingCollection | undefined> {
  try {
    return (await client.collections.getOne(name)) as unknown as ExistingCollection;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw describePocketBaseError(error, client.baseURL, `reading collection ${name}`);
  }
}

async function call<T>(client: PocketBase, doing: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw describePocketBaseError(error, client.baseURL, doing);
  }
}

function toField(spec: FieldSpec): ExistingField {
  return {
    name: spec.name,
    type: spec.type,
    required: spec.required === true,
    ...(spec.onlyInt ? { onlyInt: true } : {}),
    ...(spec.pattern ? { pattern: spec.pattern } : {}),
  };
}

function uniqueIndex(spec: CollectionSpec): string {
  return `CREATE UNIQUE INDEX \`idx_${spec.name}_${spec.uniqueField}\` ON \`${spec.name}\` (\`${spec.uniqueField}\`)`;
}

function normalize(index: string): string {
  return index.replace(/[`"\s]/g, '').toLowerCase();
}

import type PocketBase from 'pocketbase';
import { COLLECTIONS, type CollectionSpec, type FieldSpec } from './collection-schemas.js';
import { callPocketBase, describePocketBaseError, PocketBaseError } from './connect-pocketbase.js';

export interface CollectionSetup {
  name: string;
  outcome: 'created' | 'updated' | 'unchanged';
  /** What an update changed: fields added, rules or indexes set. */
  changes: string[];
}

type ExistingField = Record<string, unknown> & { name: string; type: string };
type ExistingCollection = { id: string; fields: ExistingField[]; indexes?: string[] } & Record<
  string,
  unknown
>;

/**
 * Creates the collections of sync-daemon, or brings existing ones up to date, idempotently: missing fields are
 * added (fields of the user's own are kept), the access rules and the indexes set. A field of ours with another
 * type is refused rather than changed: converting it could lose what the dashboard holds.
 */
export async function setupCollections(client: PocketBase): Promise<CollectionSetup[]> {
  const results: CollectionSetup[] = [];
  for (const spec of COLLECTIONS) results.push(await setupCollection(client, spec));
  return results;
}

async function setupCollection(client: PocketBase, spec: CollectionSpec): Promise<CollectionSetup> {
  const existing = await findCollection(client, spec.name);
  const indexes = spec.indexes.map((index) => indexSql(spec.name, index));
  if (!existing) {
    await callPocketBase(client, `creating collection ${spec.name}`, () =>
      client.collections.create({
        name: spec.name,
        type: spec.type ?? 'base',
        fields: spec.fields.map(toField),
        indexes,
        ...spec.rules,
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
  for (const [rule, value] of Object.entries(spec.rules))
    if (existing[rule] !== value)
      changes.push(`${rule} set to ${value === null ? 'superusers only' : value}`);
  const existingIndexes = existing.indexes ?? [];
  const missing = indexes.filter(
    (index) => !existingIndexes.some((candidate) => normalize(candidate) === normalize(index)),
  );
  for (const index of missing)
    changes.push(`${index.startsWith('CREATE UNIQUE') ? 'unique ' : ''}index ${indexName(index)}`);
  if (changes.length === 0) return { name: spec.name, outcome: 'unchanged', changes };
  await callPocketBase(client, `updating collection ${spec.name}`, () =>
    client.collections.update(existing.id, {
      fields,
      indexes: [...existingIndexes, ...missing],
      ...spec.rules,
    }),
  );
  return { name: spec.name, outcome: 'updated', changes };
}

export interface BatchApiSetup {
  /** Whether setup had to turn PocketBase's batch API on (daemons upload their records in batches). */
  enabled: 'already' | 'now';
  maxRequests: number;
}

/**
 * Daemons upload runs and logs through PocketBase's batch API, which is off in a new server: setup turns it on
 * (keeping its limits). A daemon still uploads, one request per record, where someone turned it off again.
 */
export async function enableBatchApi(client: PocketBase): Promise<BatchApiSetup> {
  const settings = (await callPocketBase(client, 'reading the settings', () => client.settings.getAll())) as {
    batch?: { enabled?: boolean; maxRequests?: number };
  };
  const batch = settings.batch ?? {};
  const maxRequests = batch.maxRequests || 50;
  if (batch.enabled) return { enabled: 'already', maxRequests };
  await callPocketBase(client, 'turning the batch API on', () =>
    client.settings.update({ batch: { ...batch, enabled: true, maxRequests } }),
  );
  return { enabled: 'now', maxRequests };
}

async function findCollection(client: PocketBase, name: string): Promise<ExistingCollection | undefined> {
  try {
    return (await client.collections.getOne(name)) as unknown as ExistingCollection;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw describePocketBaseError(error, client.baseURL, `reading collection ${name}`);
  }
}

function toField(spec: FieldSpec): ExistingField {
  if (spec.type === 'autodate')
    return { name: spec.name, type: spec.type, onCreate: true, onUpdate: spec.onUpdate === true };
  return {
    name: spec.name,
    type: spec.type,
    required: spec.required === true,
    ...(spec.onlyInt ? { onlyInt: true } : {}),
    ...(spec.pattern ? { pattern: spec.pattern } : {}),
    ...(spec.max ? { max: spec.max } : {}),
  };
}

/** Named as earlier versions named the single unique index (`idx_sync_jobs_job_id`), so theirs is recognized. */
function indexSql(collection: string, index: CollectionSpec['indexes'][number]): string {
  const name = `idx_${collection}_${index.fields.join('_')}`;
  const columns = index.fields.map((field) => `\`${field}\``).join(', ');
  return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX \`${name}\` ON \`${collection}\` (${columns})`;
}

function indexName(sql: string): string {
  return /INDEX `([^`]+)`/.exec(sql)?.[1] ?? sql;
}

function normalize(index: string): string {
  return index.replace(/[`"\s]/g, '').toLowerCase();
}

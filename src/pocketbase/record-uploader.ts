import type PocketBase from 'pocketbase';
import { makeTestGate } from '../engine/test-gate.js';
import { callPocketBase, describePocketBaseError } from './connect-pocketbase.js';
import type { PocketBaseSession } from './pocketbase-session.js';
import type { SpooledRecord, SpoolLease, UploadSpool } from './upload-spool.js';

export interface RecordUploaderOptions {
  /** Records per request: PocketBase's batch API takes 50 by default. */
  batchSize: number;
  /** How long to wait after a failed upload before the next (doubled up to 60 s while it keeps failing). */
  retryDelayMs: number;
  /** Records now in PocketBase (sent, or found there from an earlier send), by collection, once acknowledged. */
  onDelivered: (collection: string, count: number) => void;
  /** A record PocketBase will never take (a field it refuses, its id held by another account): dropped. */
  onRejected: (record: SpooledRecord, reason: string) => void;
  /** Why uploads stopped (undefined once they work again). */
  onProblem: (problem: string | undefined) => void;
  /** The server's batch API is off: records go one request each (slower) until it is on again. */
  onBatchOff: () => void;
  /** The server takes at most `max` requests per batch (its batch.maxRequests): batches are that big from now on. */
  onBatchLimit: (max: number) => void;
  /** The spool changed (records acknowledged): its gauge is set again. */
  onSettled: () => void;
}

/** The batch API is asked again this long after a server said it is off (an admin may turn it on). */
const BATCH_RECHECK_MS = 10 * 60 * 1000;
const MAX_RETRY_DELAY_MS = 60_000;

type Outgoing = { collection: string; body: { id: string } & Record<string, unknown>; record: SpooledRecord };

/**
 * Drains the spool into PocketBase, oldest first: in batches through PocketBase's batch API (one transaction, so a
 * batch arrives whole or not at all), one create per record where the batch API is off. A batch refused because
 * some of its ids exist already under this account (sent before, the reply lost) is sent again without those;
 * the `account` field is set at sending time, to the signed-in account. While the server cannot be reached, or
 * refuses the account, records stay in the spool and are tried again after `retryDelayMs`, doubling.
 */
export class RecordUploader {
  private draining: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** A record came while a pass was ending: another pass follows. */
  private kickedWhileDraining = false;
  private failures = 0;
  private batchOffUntil = 0;
  private closed = false;
  private problem: string | undefined;
  /** Tests kill the daemon between an upload and its acknowledgement (SYNC_DAEMON_TEST_UPLOAD_GATE). */
  private readonly gate = makeTestGate(process.env, 'SYNC_DAEMON_TEST_UPLOAD_GATE');
  private uploaded = 0;
  private batchSize: number;

  constructor(
    private readonly spool: UploadSpool,
    private readonly session: PocketBaseSession,
    private readonly options: RecordUploaderOptions,
  ) {
    this.batchSize = options.batchSize;
  }

  /** Something was spooled: upload it soon (records arriving meanwhile go in the same batch). */
  kick(delayMs = 50): void {
    if (this.closed || this.timer) return;
    if (this.draining) {
      this.kickedWhileDraining = true;
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, delayMs);
    this.timer.unref();
  }

  /** The server answers again (a heartbeat went through): a retry waiting for its delay goes now. */
  retryNow(): void {
    if (this.closed || this.failures === 0 || !this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    void this.drain();
  }

  /** Uploads until the spool is empty or an upload fails; resolves when it stops. */
  drain(): Promise<void> {
    // A spool that cannot be read or written (disk full) fails like a server down: tried again later.
    this.draining ??= this.drainNow()
      .catch((error: unknown) => this.failed(error))
      .finally(() => {
        this.draining = undefined;
        if (this.kickedWhileDraining && this.failures === 0) {
          this.kickedWhileDraining = false;
          this.kick();
        }
      });
    return this.draining;
  }

  /** Tries what is left for at most `withinMs` (a stopping daemon), then stops for good. */
  async close(withinMs: number): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (withinMs > 0 && this.failures === 0 && this.spool.pending > 0) {
      const deadline = new Promise((resolve) => setTimeout(resolve, withinMs).unref());
      await Promise.race([this.drain(), deadline]);
    }
    this.closed = true;
  }

  /** Resolves once no upload is out (after `close`, and the session dropped so that requests end at once). */
  async settled(): Promise<void> {
    await this.draining;
  }

  private async drainNow(): Promise<void> {
    for (;;) {
      this.kickedWhileDraining = false;
      if (this.closed) return;
      const lease = this.spool.take(this.batchSize);
      if (!lease) return;
      const rejected = new Set<SpooledRecord>();
      let outcome: 'sent' | 'smaller';
      try {
        outcome = await this.send(lease, rejected);
      } catch (error) {
        // Those sent one by one before the failure are there: only the rest goes back.
        const delivered = error instanceof UploadStopped ? error.delivered : 0;
        this.acknowledge(lease, delivered, rejected);
        this.failed(error instanceof UploadStopped ? error.cause : error);
        return;
      }
      if (outcome === 'smaller') {
        // The server takes fewer requests per batch: the same records, fewer at a time.
        this.spool.release(lease);
        continue;
      }
      this.gate?.(++this.uploaded);
      this.acknowledge(lease, lease.records.length, rejected);
      if (this.failures > 0 || this.problem) this.setProblem(undefined);
      this.failures = 0;
    }
  }

  /** The lease's first `count` records are settled: counted by collection (those refused apart), then acked. */
  private acknowledge(lease: SpoolLease, count: number, rejected: ReadonlySet<SpooledRecord>): void {
    this.spool.ack(lease, count);
    const counts = new Map<string, number>();
    for (const record of lease.records.slice(0, count))
      if (!rejected.has(record)) counts.set(record.collection, (counts.get(record.collection) ?? 0) + 1);
    for (const [collection, delivered] of counts) this.options.onDelivered(collection, delivered);
    this.options.onSettled();
  }

  /**
   * Sends every record of the lease, or throws (UploadStopped: how many of them are there); 'smaller': none was
   * sent, the batch was too big for the server.
   */
  private async send(lease: SpoolLease, rejected: Set<SpooledRecord>): Promise<'sent' | 'smaller'> {
    const client = await this.session.connected();
    const account = this.session.accountId ?? '';
    let pending: Outgoing[] = lease.records.map((record) => ({
      collection: record.collection,
      body: { ...record.body, account },
      record,
    }));
    if (Date.now() >= this.batchOffUntil && pending.length > 1) {
      for (let round = 0; round < 3 && pending.length > 0; round++) {
        const outcome = await this.sendBatch(client, pending);
        if (outcome === 'sent') return 'sent';
        if (outcome === 'too-many' && round === 0) return 'smaller';
        if (outcome !== 'refused') break;
        // Some may be there already (sent before, the reply lost): the others again, in one batch.
        const ours = await this.ownedIds(client, account, pending);
        if (ours.size === 0) break;
        pending = pending.filter((item) => !ours.has(item.body.id));
      }
    }
    // One by one: the batch API is off, or a record of the batch is refused and must be found.
    for (const item of pending) {
      try {
        await client.collection(item.collection).create(item.body);
      } catch (error) {
        const stopped = (cause: unknown) =>
          new UploadStopped(
            describePocketBaseError(cause, this.session.url, `uploading to ${item.collection}`),
            lease.records.indexOf(item.record),
          );
        if (isDuplicateId(error)) {
          // Sent before (it is there), unless another account holds that id: then this one can never go.
          const ours = await this.ownedIds(client, account, [item]).catch((cause: unknown) => {
            throw stopped(cause);
          });
          if (!ours.has(item.body.id)) {
            rejected.add(item.record);
            this.options.onRejected(item.record, `its id ${item.body.id} is held by another account`);
          }
        } else if (isRecordRefused(error)) {
          rejected.add(item.record);
          this.options.onRejected(item.record, refusal(error));
        } else throw stopped(error);
      }
    }
    return 'sent';
  }

  /**
   * 'sent', 'batch-off' (the server's batch API is off), 'too-many' (more requests than its batch.maxRequests, or
   * a body too large for a proxy in front), or 'refused' (a record of it was refused).
   */
  private async sendBatch(
    client: PocketBase,
    records: Outgoing[],
  ): Promise<'sent' | 'batch-off' | 'too-many' | 'refused'> {
    const batch = client.createBatch();
    for (const { collection, body } of records) batch.collection(collection).create(body);
    try {
      await batch.send();
      return 'sent';
    } catch (error) {
      const status = (error as { status?: number }).status;
      const response = responseOf(error);
      if (status === 403 && /batch/i.test(String(response.message))) {
        this.batchOffUntil = Date.now() + BATCH_RECHECK_MS;
        this.options.onBatchOff();
        return 'batch-off';
      }
      const tooMany = response.data?.requests as { code?: string; params?: { max?: unknown } } | undefined;
      if ((status === 400 && tooMany?.code === 'validation_length_too_long') || status === 413) {
        // "The length must be no more than N": N at a time from now on; a body too large: half as many.
        const max = tooMany?.params?.max;
        this.batchSize =
          typeof max === 'number' && max >= 1 ? max : Math.max(1, Math.floor(records.length / 2));
        this.options.onBatchLimit(this.batchSize);
        return 'too-many';
      }
      if (status === 400) return 'refused';
      throw describePocketBaseError(error, this.session.url, 'uploading a batch of records');
    }
  }

  /** Which of these records are in PocketBase already, written by this account. */
  private async ownedIds(client: PocketBase, account: string, records: Outgoing[]): Promise<Set<string>> {
    const owned = new Set<string>();
    const byCollection = new Map<string, string[]>();
    for (const { collection, body } of records)
      byCollection.set(collection, [...(byCollection.get(collection) ?? []), body.id]);
    for (const [collection, ids] of byCollection) {
      const filter = `account = ${client.filter('{:account}', { account })} && (${ids
        .map((id) => client.filter('id = {:id}', { id }))
        .join(' || ')})`;
      const found = await callPocketBase(client, `looking for records sent before in ${collection}`, () =>
        client.collection(collection).getList(1, ids.length, { filter, fields: 'id' }),
      );
      for (const item of found.items) owned.add(item.id);
    }
    return owned;
  }

  private failed(error: unknown): void {
    this.failures++;
    // ±25 %: daemons cut off by the same outage do not all come back in the same second.
    const delay =
      Math.min(MAX_RETRY_DELAY_MS, this.options.retryDelayMs * 2 ** (this.failures - 1)) *
      (0.75 + Math.random() / 2);
    this.setProblem(
      `${(error as Error).message}; ${this.spool.pending} record(s) wait in the spool, tried again in ${Math.round(delay / 1000)} s`,
    );
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, delay);
    this.timer.unref();
  }

  private setProblem(problem: string | undefined): void {
    this.problem = problem;
    this.options.onProblem(problem);
  }
}

function responseOf(error: unknown): {
  data?: Record<string, { code?: string; message?: string }>;
  message?: string;
} {
  return (error as { response?: ReturnType<typeof responseOf> }).response ?? {};
}

function isDuplicateId(error: unknown): boolean {
  return (
    (error as { status?: number }).status === 400 &&
    responseOf(error).data?.id?.code === 'validation_not_unique'
  );
}

/** Refused for what the record holds (400 with field errors, or 413 too large): sent again, refused again. */
function isRecordRefused(error: unknown): boolean {
  const status = (error as { status?: number }).status;
  const data = responseOf(error).data;
  return status === 413 || (status === 400 && data !== undefined && Object.keys(data).length > 0);
}

function refusal(error: unknown): string {
  const response = responseOf(error);
  return `${response.message ?? 'refused'} ${JSON.stringify(response.data ?? {})}`;
}

/** An upload that stopped part way: the lease's first `delivered` records are settled. */
class UploadStopped extends Error {
  constructor(
    override readonly cause: Error,
    readonly delivered: number,
  ) {
    super(cause.message);
  }
}

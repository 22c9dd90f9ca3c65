import type { LogQueryReply } from '../telemetry/recent-log-records.js';
import { ControlError } from './control-client.js';
import type {
  DaemonStatus,
  JobStatus,
  ReloadReply,
  RunReply,
  StopReply,
  TriggerReply,
} from './daemon-api.js';

// The CLI's side of the process boundary: a reply is checked for the fields the CLI acts on before it is
// trusted, so a daemon of another version fails with a message rather than a TypeError.

export function asDaemonStatus(value: unknown): DaemonStatus {
  const reply = expectObject(value, 'status');
  expectFields(reply, 'status', {
    pid: 'number',
    version: 'string',
    socketPath: 'string',
    configFile: 'string',
  });
  if (!Array.isArray(reply.jobs)) throw badReply('status', '"jobs" is not a list');
  for (const job of reply.jobs) asJobStatus(job);
  return value as DaemonStatus;
}

export function asJobStatus(value: unknown): JobStatus {
  expectFields(expectObject(value, 'job status'), 'job status', {
    id: 'string',
    state: 'string',
    restarts: 'number',
  });
  return value as JobStatus;
}

export function asTriggerReply(value: unknown): TriggerReply {
  expectFields(expectObject(value, 'trigger'), 'trigger', {
    job: 'string',
    runId: 'string',
    outcome: 'string',
  });
  return value as TriggerReply;
}

export function asRunReply(value: unknown): RunReply {
  const reply = expectObject(value, 'run');
  expectFields(reply, 'run', { state: 'string', runId: 'string' });
  if (reply.state === 'done') {
    const run = expectObject(reply.run, 'run');
    expectFields(run, 'run', { outcome: 'string' });
    if (run.errorsOmitted !== undefined && typeof run.errorsOmitted !== 'number')
      throw badReply('run', '"errorsOmitted" is not a number');
  }
  if (reply.plan !== undefined) {
    const plan = expectObject(reply.plan, 'run');
    if (!Array.isArray(plan.entries) || typeof plan.omitted !== 'number')
      throw badReply('run', '"plan" is not a list of entries with a count of those omitted');
  }
  return value as RunReply;
}

export function asStopReply(value: unknown): StopReply {
  expectFields(expectObject(value, 'stop'), 'stop', { pid: 'number', stopTimeoutSecs: 'number' });
  return value as StopReply;
}

export function asReloadReply(value: unknown): ReloadReply {
  const reply = expectObject(value, 'reload');
  for (const key of ['added', 'removed', 'restarted', 'unchanged', 'warnings']) {
    if (!Array.isArray(reply[key])) throw badReply('reload', `"${key}" is not a list`);
  }
  return value as ReloadReply;
}

export function asLogsReply(value: unknown): LogQueryReply {
  const reply = expectObject(value, 'logs');
  expectFields(reply, 'logs', { next: 'number', missed: 'number' });
  if (!Array.isArray(reply.records)) throw badReply('logs', '"records" is not a list');
  for (const record of reply.records)
    expectFields(expectObject(record, 'logs'), 'logs', { level: 'number', msg: 'string', time: 'string' });
  return value as LogQueryReply;
}

function expectObject(value: unknown, method: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw badReply(method, 'the reply is not an object');
  return value as Record<string, unknown>;
}

function expectFields(reply: Record<string, unknown>, method: string, fields: Record<string, string>): void {
  for (const [key, type] of Object.entries(fields)) {
    if (typeof reply[key] !== type) throw badReply(method, `"${key}" is not a ${type}`);
  }
}

function badReply(method: string, problem: string): ControlError {
  return new ControlError('BAD_RESPONSE', `the daemon's ${method} reply is malformed: ${problem}`);
}

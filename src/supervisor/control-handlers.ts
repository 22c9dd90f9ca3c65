import type { ControlHandler } from '../control/control-server.js';
import type { StopReply } from '../control/daemon-api.js';
import type { Supervisor } from './supervisor.js';
import { SupervisorError } from './supervisor-error.js';

/** The control methods (DESIGN.md, "Control protocol"), each checking its params before it acts. */
export function controlHandlers(
  supervisor: Supervisor,
  requestStop: () => StopReply,
): Record<string, ControlHandler> {
  return {
    status: () => supervisor.status(),
    trigger: (params) =>
      supervisor.trigger(jobParam(params), {
        reason: 'manual',
        ...(optionalBoolean(params, 'dryRun') ? { dryRun: true } : {}),
      }),
    run: (params) =>
      supervisor.awaitRun(jobParam(params), stringParam(params, 'runId'), optionalWaitMs(params, 'waitMs')),
    reload: () => supervisor.reload(),
    stop: () => requestStop(),
    'job.pause': (params) => supervisor.pause(jobParam(params)),
    'job.resume': (params) => supervisor.resume(jobParam(params)),
    'job.restart': (params) => supervisor.restartJob(jobParam(params)),
  };
}

function jobParam(params: Record<string, unknown>): string {
  return stringParam(params, 'job');
}

function stringParam(params: Record<string, unknown>, name: string): string {
  const value = params[name];
  if (typeof value !== 'string' || value === '')
    throw new SupervisorError('BAD_PARAMS', `"params.${name}" must be a non-empty string`);
  return value;
}

// A long poll holds its connection: a minute at most, so a forgotten client costs little.
const MAX_WAIT_MS = 60_000;

function optionalWaitMs(params: Record<string, unknown>, name: string): number {
  const value = params[name];
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_WAIT_MS)
    throw new SupervisorError(
      'BAD_PARAMS',
      `"params.${name}" must be a whole number of ms from 0 to ${MAX_WAIT_MS}`,
    );
  return value;
}

function optionalBoolean(params: Record<string, unknown>, name: string): boolean {
  const value = params[name];
  if (value !== undefined && typeof value !== 'boolean')
    throw new SupervisorError('BAD_PARAMS', `"params.${name}" must be true or false`);
  return value === true;
}

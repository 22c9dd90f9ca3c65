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
    run: (params) => supervisor.run(jobParam(params), stringParam(params, 'runId')),
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

function optionalBoolean(params: Record<string, unknown>, name: string): boolean {
  const value = params[name];
  if (value !== undefined && typeof value !== 'boolean')
    throw new SupervisorError('BAD_PARAMS', `"params.${name}" must be true or false`);
  return value === true;
}

import { ConfigError, type ConfigProblem } from '../config/config-error.js';
import { ControlError } from '../control/control-client.js';
import { UnknownJobError } from '../jobs/find-job.js';
import { ServiceError } from '../service/service-error.js';
import { DaemonCommandError } from './daemon-command-error.js';
import { ExitCode } from './exit-codes.js';
import { UsageError } from './usage-error.js';

/** What a failed command reports, once, whatever threw: the same fields in text and in --json. */
export interface CommandFailure {
  code: string;
  message: string;
  exitCode: number;
  suggestions: string[];
  problems?: ConfigProblem[];
}

/** A failure another process already described (the detached daemon's own error), passed on unchanged. */
export class ReportedFailure extends Error {
  override readonly name = 'ReportedFailure';
  constructor(readonly failure: CommandFailure) {
    super(failure.message);
  }
}

// The daemon's refusals that mean the request itself was wrong, as opposed to a failure to carry it out.
const USAGE_CODES = new Set([
  'UNKNOWN_JOB',
  'BAD_PARAMS',
  'CONFIG_NOT_FOUND',
  'CONFIG_UNREADABLE',
  'CONFIG_SYNTAX',
  'CONFIG_INVALID',
]);

/** Normalises anything thrown by a command (sf-plugins-core's SfCommandError.from, STYLE.md rule 15). */
export function toCommandFailure(error: unknown): CommandFailure {
  if (error instanceof ConfigError) {
    return {
      code: error.code,
      message: error.message,
      exitCode: ExitCode.usage,
      suggestions: [...error.suggestions],
      problems: [...error.problems],
    };
  }
  if (error instanceof ReportedFailure) return error.failure;
  if (error instanceof ControlError) {
    if (error.code === 'NOT_RUNNING') {
      return {
        code: error.code,
        message: `sync-daemon is not running: ${error.message}`,
        exitCode: ExitCode.notRunning,
        suggestions: ['start it with: sync-daemon start'],
      };
    }
    const configRejected = error.code.startsWith('CONFIG_');
    return {
      code: error.code,
      message: error.message,
      exitCode: USAGE_CODES.has(error.code) ? ExitCode.usage : ExitCode.failure,
      suggestions: configRejected ? ['the daemon keeps running with its previous config'] : [],
    };
  }
  if (error instanceof DaemonCommandError) {
    return {
      code: error.code,
      message: error.message,
      exitCode: error.exitCode,
      suggestions: [...error.suggestions],
    };
  }
  if (error instanceof ServiceError) {
    return {
      code: error.code,
      message: error.message,
      // A name or flag that cannot be used is the request's fault, as a bad flag is.
      exitCode: error.code === 'SERVICE_USAGE' ? ExitCode.usage : ExitCode.failure,
      suggestions: [...error.suggestions],
    };
  }
  if (error instanceof UnknownJobError) {
    return {
      code: error.code,
      message: error.message,
      exitCode: ExitCode.usage,
      suggestions:
        error.closestId === undefined
          ? []
          : [`did you mean "${error.closestId}"?`, `jobs: ${error.knownIds.join(', ')}`],
    };
  }
  if (error instanceof UsageError) {
    return {
      code: error.code,
      message: error.message,
      exitCode: ExitCode.usage,
      suggestions: error.suggestions,
    };
  }
  if (isOclifError(error)) {
    // oclif's own parse errors already carry exit code 2.
    return {
      code: error.code ?? 'USAGE',
      message: error.message,
      exitCode: error.oclif.exit ?? ExitCode.failure,
      suggestions: error.suggestions ?? [],
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | undefined)?.code;
  return {
    code: typeof code === 'string' ? code : 'FAILURE',
    message,
    exitCode: ExitCode.failure,
    suggestions: [],
  };
}

// oclif's CLIError, told by its shape: the fast paths (fast-cli.ts) report failures without loading oclif.
function isOclifError(
  error: unknown,
): error is Error & { code?: string; oclif: { exit?: number }; suggestions?: string[] } {
  return error instanceof Error && typeof (error as { oclif?: unknown }).oclif === 'object';
}

/** Reports a failure once, as every command does: `{error}` on stdout with --json, else text on stderr. */
export function writeFailure(failure: CommandFailure, json: boolean): void {
  if (json) process.stdout.write(`${JSON.stringify({ error: failure }, null, 2)}\n`);
  else process.stderr.write(formatFailure(failure));
}

/** Text for a terminal: the message, then one line per suggestion. */
export function formatFailure(failure: CommandFailure): string {
  const suggestions = failure.suggestions.map((suggestion) => `  Hint: ${suggestion}\n`).join('');
  return `Error: ${failure.message}\n${suggestions}`;
}

import { Flags } from '@oclif/core';
import { LOG_FORMATS, LOG_LEVELS } from '../config/log-levels.js';

/** The flags of the commands that start a daemon (`start`, `restart`): the only ones where they act. */
export const daemonLogFlags = {
  'log-level': Flags.option({
    options: LOG_LEVELS,
    summary: 'Log level of the daemon, overriding daemon.log_level of the config.',
  })(),
  'log-format': Flags.option({
    options: LOG_FORMATS,
    summary: 'Format of the records on stdout (--foreground), overriding daemon.log_format.',
    description: 'auto: readable lines on a terminal, JSON lines (bunyan records) otherwise.',
  })(),
};

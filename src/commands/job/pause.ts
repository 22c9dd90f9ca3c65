import { JobControlCommand } from '../../cli/job-control-command.js';

export default class Pause extends JobControlCommand {
  static override summary =
    'Pause a job: no scheduled or manual runs until it is resumed (a running sync finishes).';
  protected readonly method = 'job.pause';
}

import { JobControlCommand } from '../../cli/job-control-command.js';

export default class Resume extends JobControlCommand {
  static override summary = 'Resume a paused job: its schedule runs it again.';
  protected readonly method = 'job.resume';
}

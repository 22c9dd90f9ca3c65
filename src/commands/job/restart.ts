import { JobControlCommand } from '../../cli/job-control-command.js';

export default class RestartJob extends JobControlCommand {
  static override summary = "Restart a job's runner process (its running sync stops at a safe point first).";
  protected readonly method = 'job.restart';
}

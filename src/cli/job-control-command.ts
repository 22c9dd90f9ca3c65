import { Args } from '@oclif/core';
import { asJobStatus } from '../control/check-replies.js';
import { callDaemon } from '../control/control-client.js';
import type { JobStatus } from '../control/daemon-api.js';
import { BaseCommand } from './base-command.js';

/** `job pause|resume|restart <job>`: one control method on one job, answered with the job's new status. */
export abstract class JobControlCommand extends BaseCommand<typeof JobControlCommand> {
  static override args = { job: Args.string({ description: 'Id of the sync job.', required: true }) };
  static override examples = ['<%= config.bin %> <%= command.id %> documents'];

  protected abstract readonly method: 'job.pause' | 'job.resume' | 'job.restart';

  public async run(): Promise<JobStatus> {
    // A restart waits for the job's running sync to reach a safe point: allow the stop sequence.
    const reply = await callDaemon(
      await this.socketPath(),
      this.method,
      { job: this.args.job },
      { timeoutMs: 10 * 60_000 },
    );
    const job = asJobStatus(reply);
    this.log(`${job.id}: ${job.state}${job.runnerPid === undefined ? '' : ` (runner pid ${job.runnerPid})`}`);
    return job;
  }
}

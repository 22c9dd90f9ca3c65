import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { asJobStatus } from '../../control/check-replies.js';
import { callDaemon } from '../../control/control-client.js';
import type { JobStatus } from '../../control/daemon-api.js';

export default class RestartJob extends BaseCommand<typeof RestartJob> {
  static override summary = "Restart a job's runner process (its running sync stops at a safe point first).";
  static override examples = ['<%= config.bin %> <%= command.id %> documents'];
  static override args = { job: Args.string({ description: 'Id of the sync job.', required: true }) };

  public async run(): Promise<JobStatus> {
    const job = asJobStatus(
      await callDaemon(
        await this.socketPath(),
        'job.restart',
        { job: this.args.job },
        { timeoutMs: 10 * 60_000 },
      ),
    );
    this.log(`${job.id}: ${job.state}${job.runnerPid === undefined ? '' : ` (runner pid ${job.runnerPid})`}`);
    return job;
  }
}

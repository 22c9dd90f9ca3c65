import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { asJobStatus } from '../../control/check-replies.js';
import { callDaemon } from '../../control/control-client.js';
import type { JobStatus } from '../../control/daemon-api.js';

export default class Resume extends BaseCommand<typeof Resume> {
  static override summary = 'Resume a paused job: its schedule runs it again.';
  static override examples = ['<%= config.bin %> <%= command.id %> documents'];
  static override args = { job: Args.string({ description: 'Id of the sync job.', required: true }) };

  public async run(): Promise<JobStatus> {
    const job = asJobStatus(
      await callDaemon(
        await this.socketPath(),
        'job.resume',
        { job: this.args.job },
        { timeoutMs: 10 * 60_000 },
      ),
    );
    this.log(`${job.id}: ${job.state}${job.runnerPid === undefined ? '' : ` (runner pid ${job.runnerPid})`}`);
    return job;
  }
}

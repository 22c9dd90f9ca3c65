import { BaseCommand } from '../cli/base-command.js';
import { asReloadReply } from '../control/check-replies.js';
import { callDaemon } from '../control/control-client.js';
import type { ReloadReply } from '../control/daemon-api.js';

export default class Reload extends BaseCommand<typeof Reload> {
  static override summary = 'Make the daemon re-read its config (as SIGHUP does).';
  static override description =
    'Only the jobs whose settings changed are restarted; added jobs start and removed ones stop. A config that ' +
    'fails validation is rejected with its errors, and the daemon keeps running the previous one.';
  static override examples = ['<%= config.bin %> <%= command.id %>'];

  public async run(): Promise<ReloadReply> {
    // Restarting changed runners waits for their syncs to reach a safe point: allow the stop sequence.
    const reply = asReloadReply(
      await callDaemon(await this.socketPath(), 'reload', {}, { timeoutMs: 10 * 60_000 }),
    );
    for (const warning of reply.warnings) this.warn(warning);
    const parts = (['added', 'removed', 'restarted', 'unchanged'] as const)
      .filter((key) => reply[key].length > 0)
      .map((key) => `${key}: ${reply[key].join(', ')}`);
    this.log(`config reloaded${parts.length ? `; ${parts.join('; ')}` : ''}`);
    return reply;
  }
}

import { BaseCommand } from '../../cli/base-command.js';

export interface ConfigValidateResult {
  file: string;
  valid: true;
  jobs: number;
  enabledJobs: number;
  watchers: number;
  warnings: string[];
}

export default class ConfigValidate extends BaseCommand<typeof ConfigValidate> {
  static override summary = 'Check a config file and list every problem with its line and key.';
  static override description = 'Exits 0 when the config is valid, 2 when it is not.';
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --config examples/config.toml',
  ];

  public async run(): Promise<ConfigValidateResult> {
    const { config, file, warnings } = await this.loadConfig();
    const jobs = config.sync_jobs.length;
    const enabledJobs = config.sync_jobs.filter((job) => job.enabled).length;
    const watchers = config.file_watchers.length;
    this.log(
      `${file} is valid: ${plural(jobs, 'sync job')} (${enabledJobs} enabled), ${plural(watchers, 'file watcher')}` +
        (config.pocketbase ? `, PocketBase at ${config.pocketbase.url}` : ''),
    );
    return { file, valid: true, jobs, enabledJobs, watchers, warnings };
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

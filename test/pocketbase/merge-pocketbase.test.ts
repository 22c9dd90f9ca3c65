import { expect } from 'chai';
import { configSchema } from '../../src/config/schema.js';
import { mergePocketBase, type PocketBaseRecord } from '../../src/pocketbase/merge-pocketbase.js';

// Records as PocketBase returns them: every field present, empty ones as "", 0, false or null.
function jobRecord(id: string, fields: Record<string, unknown>): PocketBaseRecord {
  return {
    id: `rec${id}`,
    job_id: id,
    name: '',
    source_path: `/data/${id}`,
    destination_path: `/backup/${id}`,
    enabled: true,
    filters: null,
    schedule: null,
    sync_options: null,
    sync_timeout_secs: 0,
    host: '',
    ...fields,
  };
}

function watcherRecord(id: string, fields: Record<string, unknown>): PocketBaseRecord {
  return {
    id: `rec${id}`,
    watcher_id: id,
    name: '',
    sync_job_id: '',
    watch_path: '',
    enabled: true,
    recursive: true,
    debounce_ms: 0,
    watch_events: null,
    backend: '',
    poll_interval_ms: 0,
    full_rescan_interval_secs: 0,
    ...fields,
  };
}

const file = configSchema.parse({
  sync_jobs: [{ id: 'local', source_path: '/home/ada/docs', destination_path: '/backup/local' }],
});

describe('PocketBase records merged into the file’s config', () => {
  it('takes valid jobs and watchers, with the file’s defaults for what a record leaves empty', () => {
    const merged = mergePocketBase(
      file,
      [jobRecord('photos', { schedule: { type: 'interval', interval: '5m' }, filters: ['*.tmp'] })],
      [watcherRecord('photos-watch', { sync_job_id: 'photos', debounce_ms: 250 })],
      'nas',
    );
    expect(merged.problems).to.deep.equal([]);
    expect(merged.jobIds).to.deep.equal(['photos']);
    const job = merged.config.sync_jobs[1];
    expect(job).to.deep.include({ id: 'photos', source_path: '/data/photos', filters: ['*.tmp'] });
    expect(job?.sync_options.comparison_method).to.equal('mtime');
    expect(merged.config.file_watchers[0]).to.deep.include({
      id: 'photos-watch',
      watch_path: '/data/photos',
      debounce_ms: 250,
      full_rescan_interval_secs: 3600,
    });
  });

  it('skips a bad record with an error naming it and its field, and keeps the others', () => {
    const merged = mergePocketBase(
      file,
      [
        jobRecord('bad', { schedule: { type: 'interval', interval: 'soon' } }),
        jobRecord('local', {}),
        jobRecord('relative', { source_path: 'data/relative' }),
        jobRecord('good', {}),
        jobRecord('elsewhere', { host: 'other-host' }),
      ],
      [watcherRecord('orphan', { sync_job_id: 'nobody' })],
      'nas',
    );
    expect(merged.jobIds).to.deep.equal(['good']);
    expect(merged.problems).to.have.length(4);
    expect(merged.problems[0]).to.match(
      /^sync_jobs record recbad \(job_id "bad"\) skipped: schedule\.interval: found "soon", expected a duration/,
    );
    expect(merged.problems[1]).to.equal(
      'sync_jobs record reclocal (job_id "local") skipped: the config file has a job "local" too (the file wins)',
    );
    expect(merged.problems[2]).to.equal(
      'sync_jobs record recrelative (job_id "relative") skipped: "data/relative" must be an absolute path (or start with ~/)',
    );
    expect(merged.problems[3]).to.match(
      /^file_watchers record recorphan \(watcher_id "orphan"\) skipped: .*nobody/,
    );
  });

  it('skips a job that breaks a check across jobs, such as a destination inside another job’s source', () => {
    const merged = mergePocketBase(
      file,
      [jobRecord('loop', { destination_path: '/home/ada/docs/mirror' })],
      [],
      'nas',
    );
    expect(merged.jobIds).to.deep.equal([]);
    expect(merged.problems).to.have.length(1);
    expect(merged.problems[0]).to.match(/^sync_jobs record recloop \(job_id "loop"\) skipped: /);
    expect(merged.config.sync_jobs.map((job) => job.id)).to.deep.equal(['local']);
  });
});

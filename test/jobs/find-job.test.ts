import { expect } from 'chai';
import { toCommandFailure } from '../../src/cli/command-failure.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { parseConfig } from '../../src/config/load-config.js';
import { findJob, UnknownJobError } from '../../src/jobs/find-job.js';

async function configWithJobs(...ids: string[]) {
  const jobs = ids.map(
    (id) => `[[sync_jobs]]\nid = "${id}"\nsource_path = "/src/${id}"\ndestination_path = "/dst/${id}"\n`,
  );
  return (await parseConfig(jobs.join('\n'), '/etc/sync-daemon/config.toml', {})).config;
}

describe('findJob', () => {
  it('returns the job with that id', async () => {
    const config = await configWithJobs('documents', 'photos');
    expect(findJob(config, 'photos').source_path).to.equal('/src/photos');
  });

  it('throws its own error naming the ids there are and the closest one', async () => {
    const config = await configWithJobs('documents', 'photos');
    const error = catchError(() => findJob(config, 'documnets'));
    expect(error).to.be.instanceOf(UnknownJobError);
    expect(error).to.include({
      code: 'UNKNOWN_JOB',
      jobId: 'documnets',
      closestId: 'documents',
      message: 'no sync job "documnets" in the config',
    });
    expect(error.knownIds).to.deep.equal(['documents', 'photos']);
  });

  it('says so when the config defines no job at all', async () => {
    const config = await configWithJobs();
    const error = catchError(() => findJob(config, 'documents'));
    expect(error.message).to.equal('no sync job "documents": the config defines no sync jobs');
    expect(error.closestId).to.equal(undefined);
  });
});

describe('toCommandFailure of an unknown job', () => {
  it('is a usage error (exit 2) that suggests the closest id and lists them all', async () => {
    const config = await configWithJobs('documents', 'photos');
    const failure = toCommandFailure(catchError(() => findJob(config, 'fotos')));
    expect(failure).to.deep.equal({
      code: 'UNKNOWN_JOB',
      message: 'no sync job "fotos" in the config',
      exitCode: ExitCode.usage,
      suggestions: ['did you mean "photos"?', 'jobs: documents, photos'],
    });
  });

  it('has nothing to suggest when there are no jobs', async () => {
    const config = await configWithJobs();
    const failure = toCommandFailure(catchError(() => findJob(config, 'documents')));
    expect(failure.exitCode).to.equal(ExitCode.usage);
    expect(failure.suggestions).to.deep.equal([]);
  });
});

function catchError(action: () => unknown): UnknownJobError {
  try {
    action();
  } catch (error) {
    return error as UnknownJobError;
  }
  throw new Error('expected an error');
}

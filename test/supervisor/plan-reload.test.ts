import { expect } from 'chai';
import { configSchema, type SyncJob } from '../../src/config/schema.js';
import { planReload } from '../../src/supervisor/plan-reload.js';

function job(id: string, source = `/src/${id}`): SyncJob {
  const parsed = configSchema.parse({
    sync_jobs: [{ id, source_path: source, destination_path: `/dst/${id}` }],
  });
  return parsed.sync_jobs[0] as SyncJob;
}

describe('planReload', () => {
  it('restarts only the jobs whose fingerprint changed', () => {
    const fingerprint = (candidate: SyncJob) => candidate.source_path;
    const running = new Map([
      ['same', '/src/same'],
      ['moved', '/src/moved'],
      ['gone', '/src/gone'],
    ]);
    const plan = planReload(running, [job('same'), job('moved', '/elsewhere'), job('new')], fingerprint);
    const ids = (jobs: SyncJob[]) => jobs.map((candidate) => candidate.id);
    expect(ids(plan.unchanged)).to.deep.equal(['same']);
    expect(ids(plan.restarted)).to.deep.equal(['moved']);
    expect(ids(plan.added)).to.deep.equal(['new']);
    expect(plan.removed).to.deep.equal(['gone']);
  });
});

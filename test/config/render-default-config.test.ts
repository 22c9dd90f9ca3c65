import path from 'node:path';
import { expect } from 'chai';
import type { z } from 'zod';
import { getDefaultPaths } from '../../src/config/default-paths.js';
import { parseConfig } from '../../src/config/load-config.js';
import { renderDefaultConfig } from '../../src/config/render-default-config.js';
import { configSchema } from '../../src/config/schema.js';

interface Definition {
  innerType?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  options?: z.ZodType[];
}

// Every key the schema knows, found by walking zod's definitions, so a key added later cannot be forgotten here.
function collectKeys(schema: z.ZodType, into = new Set<string>()): Set<string> {
  const definition = (schema as unknown as { def: Definition }).def;
  if (definition.innerType) collectKeys(definition.innerType, into);
  if (definition.element) collectKeys(definition.element, into);
  for (const option of definition.options ?? []) collectKeys(option, into);
  for (const [key, value] of Object.entries(definition.shape ?? {})) {
    into.add(key);
    collectKeys(value, into);
  }
  return into;
}

describe('renderDefaultConfig', () => {
  const text = renderDefaultConfig(getDefaultPaths());

  it('is a valid config as generated', async () => {
    const { config } = await parseConfig(text, path.join('/tmp', 'generated.toml'), {});
    expect(config.sync_jobs[0]?.enabled, 'the sample job waits for the user').to.equal(false);
    expect(config.file_watchers[0]?.enabled).to.equal(false);
  });

  it('documents every key of the schema, set or commented out', () => {
    const keys = collectKeys(configSchema);
    expect(keys.size).to.be.greaterThan(40);
    for (const key of keys) {
      // A plain key (`key = `) or a section header (`[key]`, `[[key]]`, `[parent.key]`).
      expect(text, `key ${key}`).to.match(
        new RegExp(`^(# )?(${key} = |\\[\\[?([a-z_]+\\.)?${key}\\]\\]?$)`, 'm'),
      );
    }
  });

  it('stays valid with every commented-out key switched on', async () => {
    // Uncommenting a block must give a working config too; cron lines replace the interval ones.
    const uncommented = text
      .replace(/^type = "interval".*\ninterval = .*\n/m, '')
      .replace(/^# For cron.*\n/m, '')
      .replace(/^# (\[pocketbase\]|[a-z_]+ = .*)$/gm, '$1');
    const { config } = await parseConfig(uncommented, path.join('/tmp', 'generated.toml'), {});
    expect(config.pocketbase?.url).to.equal('http://127.0.0.1:8090');
    expect(config.sync_jobs[0]?.schedule).to.deep.equal({
      type: 'cron',
      expression: '0 */15 * * * *',
      timezone: 'UTC',
    });
    expect(config.sync_jobs[0]?.sync_options.max_delete).to.equal(1000);
  });
});

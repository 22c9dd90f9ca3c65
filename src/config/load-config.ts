import fs from 'node:fs/promises';
import path from 'node:path';
import { checkConfigRules, checkRules } from './check-config-rules.js';
import { ConfigError, type ConfigProblem } from './config-error.js';
import { CONFIG_ENV } from './config-file-path.js';
import { type ConfigFormat, detectConfigFormat } from './config-format.js';
import { describeSchemaIssue } from './describe-schema-issue.js';
import { formatKeyPath, type KeyPath } from './format-key-path.js';
import { parseConfigText } from './parse-config-text.js';
import { resolveConfigPaths } from './resolve-config-paths.js';
import { type Config, configSchema } from './schema.js';

export const PASSWORD_ENV = 'SYNC_DAEMON_POCKETBASE_PASSWORD';

/** A config that passed every check, with what was worth saying about it. */
export interface LoadedConfig {
  config: Config;
  file: string;
  format: ConfigFormat;
  warnings: string[];
}

/** Reads, parses, validates and cross-checks a config file; throws one ConfigError listing every problem. */
export async function loadConfigFile(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedConfig> {
  const absoluteFile = path.resolve(file);
  const text = await readConfigText(absoluteFile);
  const loaded = await parseConfig(text, absoluteFile, env);
  const warning = await describeExposedPassword(absoluteFile, text);
  if (warning) loaded.warnings.push(warning);
  return loaded;
}

/** The pure half of loading: no file access but symlink resolution, so reload and PocketBase can reuse it. */
export async function parseConfig(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedConfig> {
  const format = detectConfigFormat(file);
  if (!format) {
    throw new ConfigError('CONFIG_UNREADABLE', file, [
      {
        file,
        message: `unknown config format "${path.extname(file)}", expected a .toml, .yaml or .yml file`,
      },
    ]);
  }
  const data = await parseConfigText(text, format, file);
  const parsed = configSchema.safeParse(data, { reportInput: true });
  // Locating keys needs a second, position-keeping parser: loaded only when there is an error to locate.
  const locator = async () =>
    (await import('./index-config-locations.js')).indexConfigLocations(text, format);
  if (!parsed.success) {
    const index = await locator();
    const problems = parsed.error.issues
      .flatMap((issue) => describeSchemaIssue(issue, configSchema))
      .map((issue) => toProblem(file, issue.keyPath, issue.message, index.locate(issue.keyPath, issue.at)));
    // The checks across keys still run on the entries whose keys are valid, so no problem hides another.
    const { collectCheckableEntries } = await import('./collect-checkable-entries.js');
    for (const violation of checkRules(collectCheckableEntries(data, file)))
      problems.push(
        toProblem(file, violation.keyPath, violation.message, index.locate(violation.keyPath, 'value')),
      );
    throw new ConfigError('CONFIG_INVALID', file, sortProblems(problems));
  }
  const config = applyPasswordFromEnv(resolveConfigPaths(parsed.data, file), env);
  const violations = checkConfigRules(config);
  if (config.pocketbase && !config.pocketbase.admin_password) {
    violations.push({
      keyPath: ['pocketbase'],
      message: `missing admin_password: set it here or in the ${PASSWORD_ENV} environment variable`,
    });
  }
  if (violations.length > 0) {
    const index = await locator();
    const problems = violations.map((violation) =>
      toProblem(file, violation.keyPath, violation.message, index.locate(violation.keyPath, 'value')),
    );
    throw new ConfigError('CONFIG_INVALID', file, sortProblems(problems));
  }
  return { config, file, format, warnings: [] };
}

async function readConfigText(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ConfigError('CONFIG_NOT_FOUND', file, [{ file, message: 'no config file here' }], {
        cause: error,
        suggestions: [
          `create one with: sync-daemon config generate --output ${file}`,
          `or point to another with --config or ${CONFIG_ENV}`,
        ],
      });
    }
    const reason = code === 'EISDIR' ? 'it is a folder' : ((error as Error).message ?? String(error));
    throw new ConfigError(
      'CONFIG_UNREADABLE',
      file,
      [{ file, message: `cannot read the config file: ${reason}` }],
      {
        cause: error,
      },
    );
  }
}

// The environment wins over the file, as is usual for secrets: it lets a service manager inject the password.
function applyPasswordFromEnv(config: Config, env: NodeJS.ProcessEnv): Config {
  const password = env[PASSWORD_ENV];
  if (!config.pocketbase || !password) return config;
  return { ...config, pocketbase: { ...config.pocketbase, admin_password: password } };
}

async function describeExposedPassword(file: string, text: string): Promise<string | undefined> {
  if (process.platform === 'win32' || !/^\s*admin_password\s*[=:]/m.test(text)) return undefined;
  const { mode } = await fs.stat(file);
  if ((mode & 0o044) === 0) return undefined;
  const octal = (mode & 0o777).toString(8).padStart(4, '0');
  return `${file} holds a password and is readable by ${mode & 0o004 ? 'every user' : 'its group'} (mode ${octal}); run: chmod 600 ${file}, or move the password to ${PASSWORD_ENV}`;
}

function toProblem(
  file: string,
  keyPath: KeyPath,
  message: string,
  position: { line: number; column: number } | undefined,
): ConfigProblem {
  return { file, ...position, keyPath: formatKeyPath(keyPath), message };
}

function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

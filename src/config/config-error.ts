import path from 'node:path';

export type ConfigErrorCode = 'CONFIG_NOT_FOUND' | 'CONFIG_UNREADABLE' | 'CONFIG_SYNTAX' | 'CONFIG_INVALID';

/** One thing wrong with a config file, located as precisely as the file allows. */
export interface ConfigProblem {
  file: string;
  /** 1-based; absent when the problem has no single place (a missing file). */
  line?: number;
  column?: number;
  /** Like `sync_jobs[1].schedule.interval`; absent for syntax errors. */
  keyPath?: string;
  message: string;
}

/** Everything wrong with a config at once, so a user fixes them in one pass rather than one per run. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code: ConfigErrorCode;
  readonly file: string;
  readonly problems: readonly ConfigProblem[];
  readonly suggestions: readonly string[];

  constructor(
    code: ConfigErrorCode,
    file: string,
    problems: readonly ConfigProblem[],
    options: { cause?: unknown; suggestions?: readonly string[] } = {},
  ) {
    super(formatConfigErrorMessage(file, problems), { cause: options.cause });
    this.code = code;
    this.file = file;
    this.problems = problems;
    this.suggestions = options.suggestions ?? [];
  }
}

/** `config.toml:12:3: sync_jobs[0].id: found 3, expected a string`, the shape compilers use so editors can jump there. */
function formatConfigProblem(problem: ConfigProblem): string {
  let place = displayPath(problem.file);
  if (problem.line !== undefined) place += `:${problem.line}`;
  if (problem.line !== undefined && problem.column !== undefined) place += `:${problem.column}`;
  const key = problem.keyPath ? ` ${problem.keyPath}:` : '';
  return `${place}:${key} ${problem.message}`;
}

function formatConfigErrorMessage(file: string, problems: readonly ConfigProblem[]): string {
  if (problems.length === 1 && problems[0]) return formatConfigProblem(problems[0]);
  const lines = problems.map((problem) => `  ${formatConfigProblem(problem)}`);
  return [`${displayPath(file)} has ${problems.length} problems:`, ...lines].join('\n');
}

// Relative to the working directory when that is shorter: what a user typed is what they recognise.
function displayPath(file: string): string {
  // A daemon runs from "/", where every path would lose its leading slash and nothing else.
  if (process.cwd() === path.parse(process.cwd()).root) return file;
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && relative.length < file.length ? relative : file;
}

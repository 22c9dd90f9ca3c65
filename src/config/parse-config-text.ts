import { parse as parseToml, TomlError } from 'smol-toml';
import { ConfigError } from './config-error.js';
import type { ConfigFormat } from './config-format.js';

/** Turns config text into plain data, or throws a ConfigError with the line and column of the syntax error. */
export async function parseConfigText(text: string, format: ConfigFormat, file: string): Promise<unknown> {
  const data = format === 'toml' ? parseTomlText(text, file) : await parseYamlText(text, file);
  // An empty YAML document is null; treat it like an empty TOML file.
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError('CONFIG_SYNTAX', file, [
      {
        file,
        line: 1,
        column: 1,
        message: `found ${describeTopLevel(data)}, expected a mapping of sections`,
      },
    ]);
  }
  return data;
}

function parseTomlText(text: string, file: string): unknown {
  try {
    return parseToml(text);
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    // smol-toml appends a code excerpt after a blank line; the first line says what was wrong.
    const summary = (error.message.split('\n\n')[0] ?? error.message).replace(/^Invalid TOML document: /, '');
    throw new ConfigError(
      'CONFIG_SYNTAX',
      file,
      [{ file, line: error.line, column: error.column, message: `TOML syntax error: ${summary}` }],
      { cause: error },
    );
  }
}

// yaml costs ~35 ms to load, so TOML users never pay for it.
async function parseYamlText(text: string, file: string): Promise<unknown> {
  const { parseDocument } = await import('yaml');
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) {
    const problems = document.errors.map((error) => {
      const summary = error.message.split(/ at line \d+|\n/)[0] ?? error.message;
      const position = error.linePos?.[0];
      return {
        file,
        ...(position ? { line: position.line, column: position.col } : {}),
        message: `YAML syntax error: ${summary}`,
      };
    });
    throw new ConfigError('CONFIG_SYNTAX', file, problems, { cause: document.errors[0] });
  }
  return document.toJS();
}

function describeTopLevel(data: unknown): string {
  return Array.isArray(data) ? 'a list' : `the ${typeof data} ${JSON.stringify(data)}`;
}

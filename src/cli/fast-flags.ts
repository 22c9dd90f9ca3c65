/** What a fast path accepts of a command line: flags by spelling, and how many positional arguments. */
export interface FastFlagSpec<Name extends string> {
  booleans: Readonly<Record<string, Name>>;
  values: Readonly<Record<string, Name>>;
  /** Values a flag takes, when it takes only some. */
  choices?: Readonly<Partial<Record<Name, readonly string[]>>>;
  positionals: number;
}

export interface FastFlags<Name extends string> {
  flags: Partial<Record<Name, string | true>>;
  positionals: string[];
}

/**
 * The plain spellings of a command line, parsed without oclif for the commands that must start fast. Anything
 * else (help, a repeated or unknown flag, a bad value, a missing argument) is undefined: the full command then
 * answers it in its own words, so a fast path never has errors of its own.
 */
export function parseFastFlags<Name extends string>(
  argv: readonly string[],
  spec: FastFlagSpec<Name>,
): FastFlags<Name> | undefined {
  const parsed: FastFlags<Name> = { flags: {}, positionals: [] };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] as string;
    if (!argument.startsWith('-')) {
      parsed.positionals.push(argument);
      continue;
    }
    const [spelling = '', inline] =
      argument.startsWith('--') && argument.includes('=') ? argument.split(/=(.*)/s) : [argument];
    const boolean = spec.booleans[spelling];
    if (boolean !== undefined && inline === undefined) {
      if (parsed.flags[boolean] !== undefined) return undefined;
      parsed.flags[boolean] = true;
      continue;
    }
    const name = spec.values[spelling];
    const value = inline ?? argv[++index];
    if (name === undefined || value === undefined || value === '' || parsed.flags[name] !== undefined)
      return undefined;
    const choices = spec.choices?.[name];
    if (choices && !choices.includes(value)) return undefined;
    parsed.flags[name] = value;
  }
  return parsed.positionals.length === spec.positionals ? parsed : undefined;
}

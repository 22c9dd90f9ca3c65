/** Which service manager runs the daemon, and for whom. */
export type ServiceManager = 'systemd' | 'launchd' | 'winsw' | 'nssm';
export type ServiceScope = 'system' | 'user';
export type ServicePlatform = 'linux' | 'darwin' | 'win32';

/** What `install` and `uninstall` were asked, checked, with every path absolute. */
export interface ServiceSettings {
  platform: ServicePlatform;
  name: string;
  description: string;
  scope: ServiceScope;
  /** The Node.js that runs the daemon (process.execPath), and the CLI it runs (bin/run.js). */
  node: string;
  cli: string;
  configFile: string;
  /** The daemon's own stop timeout (daemon.stop_timeout_secs): the manager waits longer. */
  stopTimeoutSecs: number;
  /** A dedicated account the service runs as (system services only). */
  runAs?: string | undefined;
  /** The user installing: their name, home and uid (user services: where they live, which domain). */
  userName: string;
  home: string;
  uid: number;
  /** Windows: WinSW's executable (node-windows ships one), or NSSM when asked or found. */
  winsw?: string | undefined;
  nssm?: string | undefined;
  /** Windows: %ProgramData%, where the service folder goes. */
  programData: string;
  /** Replace a service of that name that is there already. */
  force: boolean;
}

/** What the daemon is told about its manager (SYNC_DAEMON_SERVICE), as `manager:scope:name`. */
export function serviceTag(
  settings: Pick<ServiceSettings, 'name' | 'scope'>,
  manager: ServiceManager,
): string {
  return `${manager}:${settings.scope}:${settings.name}`;
}

export interface ServiceIdentity {
  manager: ServiceManager;
  scope: ServiceScope;
  name: string;
}

/** The manager a daemon runs under, from its SYNC_DAEMON_SERVICE; undefined when none set it (or it is garbled). */
export function parseServiceTag(tag: string | undefined): ServiceIdentity | undefined {
  const match = /^(systemd|launchd|winsw|nssm):(system|user):(.+)$/.exec(tag ?? '');
  if (!match || checkServiceName(match[3] ?? '') !== undefined) return undefined;
  return { manager: match[1] as ServiceManager, scope: match[2] as ServiceScope, name: match[3] as string };
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;

/**
 * Why a service name cannot be used, or undefined. It names a unit file, a plist, a WinSW folder and appears on
 * command lines: letters, digits, '.', '_' and '-', up to 80, starting with a letter or digit.
 */
export function checkServiceName(name: string): string | undefined {
  if (NAME.test(name) && !name.endsWith('.service') && !name.endsWith('.plist')) return undefined;
  const bad = [...name].find((character) => !/[A-Za-z0-9._-]/.test(character));
  return (
    `the service name ${JSON.stringify(name)} cannot be used` +
    (bad ? `: ${describeCharacter(bad)} is not allowed` : name === '' ? ': it is empty' : '') +
    ' (letters, digits, ".", "_" and "-", up to 80, starting with a letter or digit, no .service or .plist)'
  );
}

// Each of these would end a value early or start something else in one of the files or command lines.
const DESCRIPTION_FORBIDDEN = /["'`\\;$%&|<>/\p{Cc}]/u;

/** Why a description cannot be used, or undefined: one line of plain text, no quotes, `;`, `$` or path separators. */
export function checkDescription(description: string): string | undefined {
  const bad = DESCRIPTION_FORBIDDEN.exec(description)?.[0];
  if (bad === undefined && description.trim() !== '' && description.length <= 200) return undefined;
  return (
    `the description ${JSON.stringify(description)} cannot be used` +
    (bad !== undefined
      ? `: ${describeCharacter(bad)} is not allowed`
      : description.trim() === ''
        ? ': it is empty'
        : ': it is over 200 characters') +
    ' (one line of text without quotes, \\, /, ;, $, %, &, |, < or >)'
  );
}

/** Why a path cannot go into a service file, or undefined (a newline or quote would break every format). */
export function checkServicePath(what: string, file: string): string | undefined {
  const bad = /["\p{Cc}]/u.exec(file)?.[0];
  return bad === undefined
    ? undefined
    : `${what} ${JSON.stringify(file)} holds ${describeCharacter(bad)}, which a service file cannot hold`;
}

function describeCharacter(character: string): string {
  if (character === '\n') return 'a newline';
  if (character === '\t') return 'a tab';
  if (/\p{Cc}/u.test(character))
    return `the control character U+${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
  return JSON.stringify(character);
}

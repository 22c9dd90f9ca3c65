/** Exit codes shared by every command, so scripts can tell a broken config from a failed run. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  notRunning: 3,
} as const;

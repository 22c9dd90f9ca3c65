/** How long the daemon gives its runners to stop at a safe point; the schema's default, and a forced stop's. */
export const DEFAULT_STOP_TIMEOUT_SECS = 10;

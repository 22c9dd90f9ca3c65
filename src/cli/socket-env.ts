/** Names the daemon's socket for every command (after --socket, before the config's daemon.socket_path). */
export const SOCKET_ENV = 'SYNC_DAEMON_SOCKET';

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { type ControlResponse, MAX_FRAME_BYTES, parseControlRequest } from './control-protocol.js';
import { clearStaleSocketFile, isNamedPipe, withSocketLock } from './stale-socket.js';

/** A method the daemon answers; a thrown error with a string `code` becomes `{error: {code, message}}`. */
export type ControlHandler = (params: Record<string, unknown>) => unknown | Promise<unknown>;

export interface ControlServer {
  readonly socketPath: string;
  close(): Promise<void>;
  /** What the server holds now: open connections, requests taken since it started, replies not yet read. */
  stats(): ControlServerStats;
}

export interface ControlServerStats {
  connections: number;
  requestsAccepted: number;
  unreadReplyBytes: number;
}

/** Another daemon answers on this socket already: one daemon per socket. */
export class SocketInUseError extends Error {
  override readonly name = 'SocketInUseError';
  readonly code = 'SOCKET_IN_USE';
}

/**
 * Serves the control protocol on a Unix socket with mode 0600 in a 0700 folder (on Windows, a named pipe). A
 * socket file nobody answers on is stale (a crashed daemon) and is replaced. Bad frames get an error reply; an
 * oversized one also closes its connection; nothing a client sends can crash the daemon.
 */
export async function startControlServer(
  socketPath: string,
  handlers: Readonly<Record<string, ControlHandler>>,
): Promise<ControlServer> {
  // A named pipe has no file: no folder, no mode, nothing stale; the system refuses a second listener itself.
  if (isNamedPipe(socketPath)) return listenControlServer(socketPath, handlers);
  fs.mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o700 });
  // Probe, unlink and bind under a lock: two daemons starting at once on a stale socket must not both take it.
  return withSocketLock(socketPath, () => bindControlServer(socketPath, handlers));
}

async function bindControlServer(
  socketPath: string,
  handlers: Readonly<Record<string, ControlHandler>>,
): Promise<ControlServer> {
  if ((await clearStaleSocketFile(socketPath)) === 'live')
    throw new SocketInUseError(`a daemon is already running on ${socketPath}`);
  const server = await listenControlServer(socketPath, handlers);
  fs.chmodSync(socketPath, 0o600);
  return server;
}

async function listenControlServer(
  socketPath: string,
  handlers: Readonly<Record<string, ControlHandler>>,
): Promise<ControlServer> {
  const connections = new Set<net.Socket>();
  const counters = { requestsAccepted: 0 };
  // Half-open: a client may end its side right after its last request and still read the answers.
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
    serveConnection(socket, handlers, counters);
  });
  await new Promise<void>((resolve, reject) => {
    // Created private: a umask of 0077 while binding leaves no moment where others could connect.
    const previousUmask = process.umask(0o077);
    server.once('error', (error: NodeJS.ErrnoException) => {
      process.umask(previousUmask);
      reject(
        error.code === 'EADDRINUSE'
          ? new SocketInUseError(`a daemon is already running on ${socketPath}`)
          : error,
      );
    });
    server.listen(socketPath, () => {
      process.umask(previousUmask);
      server.removeAllListeners('error');
      // Once listening, an error is a refused connection (EMFILE, say): the server itself carries on.
      server.on('error', () => undefined);
      resolve();
    });
  });
  return {
    socketPath,
    stats: () => ({
      connections: connections.size,
      requestsAccepted: counters.requestsAccepted,
      unreadReplyBytes: [...connections].reduce((total, socket) => total + socket.writableLength, 0),
    }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of connections) socket.destroy();
        server.close(() => {
          if (!isNamedPipe(socketPath)) fs.rmSync(socketPath, { force: true });
          resolve();
        });
      }),
  };
}

/** A connection with nothing asked and nothing being answered for this long is closed. */
const IDLE_TIMEOUT_MS = 60_000;
/**
 * Replies written but not yet read by the client, past which its next requests are left unread (the kernel then
 * stops the client's writes): a client that asks without reading cannot make the daemon hold its answers.
 */
const MAX_UNREAD_REPLY_BYTES = 1024 * 1024;
/** Requests of one connection answered at once, past which its next requests wait for one to finish. */
const MAX_ANSWERING = 64;

function serveConnection(
  socket: net.Socket,
  handlers: Readonly<Record<string, ControlHandler>>,
  counters: { requestsAccepted: number },
): void {
  let buffered = '';
  let answering = 0;
  let ended = false;
  const reply = (response: ControlResponse) => {
    if (!socket.destroyed && !socket.writableEnded) socket.write(`${serializeResponse(response)}\n`);
  };
  const isBackedUp = () => socket.writableLength > MAX_UNREAD_REPLY_BYTES || answering >= MAX_ANSWERING;
  const take = (line: string) => {
    answering++;
    counters.requestsAccepted++;
    answer(line, handlers, reply)
      .catch(() => undefined)
      .then(() => {
        answering--;
        readFrames();
      })
      // Whatever fails while answering ends this connection only, never the daemon (no unhandled rejection).
      .catch(() => socket.destroy());
  };
  // Takes the whole frames buffered while the client reads its answers; pauses the socket while it does not.
  const readFrames = () => {
    if (socket.destroyed) return;
    let newline = buffered.indexOf('\n');
    while (newline >= 0 && !isBackedUp()) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      if (line.trim()) take(line);
      newline = buffered.indexOf('\n');
    }
    if (newline >= 0 || isBackedUp()) {
      socket.pause();
      return;
    }
    if (Buffer.byteLength(buffered) > MAX_FRAME_BYTES) {
      reply({
        id: null,
        error: { code: 'FRAME_TOO_LARGE', message: `requests are limited to ${MAX_FRAME_BYTES} bytes` },
      });
      buffered = '';
      socket.end();
      socket.destroySoon();
      return;
    }
    if (!ended) {
      socket.resume();
      return;
    }
    // The client has sent its last byte: a last frame without a newline is a request too.
    if (buffered.trim()) take(buffered);
    buffered = '';
    if (answering === 0 && !socket.writableEnded) socket.end();
  };
  socket.setEncoding('utf8');
  socket.on('error', () => socket.destroy());
  // A client that opened a connection and went quiet (half a frame, say, or answers it never reads) must not
  // hold it for ever; one waiting on a long answer (a reload) is not idle.
  socket.setTimeout(IDLE_TIMEOUT_MS, () => {
    if (answering === 0) socket.destroy();
  });
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    readFrames();
  });
  socket.on('drain', readFrames);
  socket.on('end', () => {
    ended = true;
    readFrames();
  });
}

/** A handler's result that JSON cannot carry (a cycle, a BigInt) becomes an error reply, not a thrown write. */
function serializeResponse(response: ControlResponse): string {
  try {
    return JSON.stringify(response);
  } catch (error) {
    return JSON.stringify({
      id: response.id,
      error: { code: 'INTERNAL', message: `the answer could not be encoded: ${(error as Error).message}` },
    });
  }
}

async function answer(
  line: string,
  handlers: Readonly<Record<string, ControlHandler>>,
  reply: (response: ControlResponse) => void,
): Promise<void> {
  if (Buffer.byteLength(line) > MAX_FRAME_BYTES) {
    reply({
      id: null,
      error: { code: 'FRAME_TOO_LARGE', message: `requests are limited to ${MAX_FRAME_BYTES} bytes` },
    });
    return;
  }
  const parsed = parseControlRequest(line);
  if (!parsed.ok) {
    reply({ id: parsed.id, error: parsed.error });
    return;
  }
  const { id, method, params } = parsed.request;
  const handler = Object.hasOwn(handlers, method) ? handlers[method] : undefined;
  if (!handler) {
    reply({
      id,
      error: {
        code: 'UNKNOWN_METHOD',
        message: `unknown method "${method}"; known: ${Object.keys(handlers).join(', ')}`,
      },
    });
    return;
  }
  try {
    reply({ id, result: (await handler(params)) ?? null });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    reply({
      id,
      error: {
        code: typeof code === 'string' ? code : 'INTERNAL',
        message: (error as Error).message ?? String(error),
      },
    });
  }
}

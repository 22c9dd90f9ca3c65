import net from 'node:net';
import type { ControlResponse } from './control-protocol.js';

/** A daemon's answer that is an error, or no daemon at all (`NOT_RUNNING`). */
export class ControlError extends Error {
  override readonly name = 'ControlError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One request to the daemon on `socketPath`, over a connection of its own; rejects with a ControlError
 * (`ABORTED` when `signal` aborts it: a long poll given up, as by Ctrl-C).
 */
export function callDaemon(
  socketPath: string,
  method: string,
  params: Record<string, unknown> = {},
  { timeoutMs = 10_000, signal }: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let buffered = '';
    const onAbort = () =>
      fail(new ControlError('ABORTED', `the request to the daemon on ${socketPath} was interrupted`));
    const fail = (error: ControlError) => {
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(error);
    };
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('close', () => signal?.removeEventListener('abort', onAbort));
    socket.setEncoding('utf8');
    socket.setTimeout(timeoutMs, () =>
      fail(new ControlError('TIMEOUT', `the daemon on ${socketPath} did not answer within ${timeoutMs} ms`)),
    );
    socket.on('connect', () => socket.write(`${JSON.stringify({ id: 1, method, params })}\n`));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const notRunning = error.code === 'ENOENT' || error.code === 'ECONNREFUSED';
      fail(
        new ControlError(
          notRunning ? 'NOT_RUNNING' : (error.code ?? 'EIO'),
          notRunning ? `no daemon is running on ${socketPath}` : error.message,
        ),
      );
    });
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      socket.end();
      let response: ControlResponse;
      try {
        response = JSON.parse(buffered.slice(0, newline)) as ControlResponse;
      } catch {
        reject(new ControlError('BAD_RESPONSE', 'the daemon answered with invalid JSON'));
        return;
      }
      if ('error' in response) reject(new ControlError(response.error.code, response.error.message));
      else resolve(response.result);
    });
    socket.on('close', () =>
      reject(new ControlError('CLOSED', 'the daemon closed the connection without answering')),
    );
  });
}

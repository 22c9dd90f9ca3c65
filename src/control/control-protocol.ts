// The control protocol between the CLI and the daemon (DESIGN.md, "Control protocol"): one JSON object per
// line, `{id, method, params}` answered by `{id, result}` or `{id, error: {code, message}}`.

/** Frames longer than this are refused and the connection closed: no client can make the daemon buffer more. */
export const MAX_FRAME_BYTES = 1024 * 1024;

export interface ControlRequest {
  id: number | string;
  method: string;
  params: Record<string, unknown>;
}

export interface ControlErrorBody {
  code: string;
  message: string;
}

export type ControlResponse =
  | { id: number | string | null; result: unknown }
  | { id: number | string | null; error: ControlErrorBody };

/** Checks one line from a client; a bad one becomes the error to answer with. */
export function parseControlRequest(
  line: string,
):
  | { ok: true; request: ControlRequest }
  | { ok: false; id: number | string | null; error: ControlErrorBody } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, id: null, error: { code: 'BAD_JSON', message: 'the request is not valid JSON' } };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, id: null, error: { code: 'BAD_REQUEST', message: 'a request is a JSON object' } };
  }
  const { id, method, params } = value as Record<string, unknown>;
  const validId = typeof id === 'number' || typeof id === 'string' ? id : null;
  if (validId === null)
    return {
      ok: false,
      id: null,
      error: { code: 'BAD_REQUEST', message: 'a request needs an "id" (number or string)' },
    };
  if (typeof method !== 'string' || method === '') {
    return {
      ok: false,
      id: validId,
      error: { code: 'BAD_REQUEST', message: 'a request needs a "method" string' },
    };
  }
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) {
    return { ok: false, id: validId, error: { code: 'BAD_REQUEST', message: '"params" must be an object' } };
  }
  return { ok: true, request: { id: validId, method, params: (params ?? {}) as Record<string, unknown> } };
}

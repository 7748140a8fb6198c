import { GridlakeError, glError } from '../errors.js';

/** The Kubernetes `Status` object an API server returns with an error. */
export interface KubeStatus {
  readonly kind?: string;
  readonly code?: number;
  readonly reason?: string;
  readonly message?: string;
}

/** Builds the error for a failed API request; retryable for throttling, server errors and network errors. */
export function apiError(
  status: number | undefined,
  body: unknown,
  request: { readonly method: string; readonly path: string },
  cause?: unknown,
): GridlakeError {
  const s = (typeof body === 'object' && body !== null ? body : {}) as KubeStatus;
  const reason = s.reason ?? (status === undefined ? 'NetworkError' : `HTTP${status}`);
  const detail = s.message ?? (cause instanceof Error ? cause.message : '');
  return glError('GL_K8S_API_FAILED', `${request.method} ${request.path}: ${reason}${detail ? `: ${detail}` : ''}`, {
    retryable: status === undefined || status === 429 || status >= 500,
    context: { status, reason, method: request.method, path: request.path },
    cause,
  });
}

/**
 * The HTTP status of an error from any client layer. client-node 1.x throws
 * `ApiException` with the status in `.code` from generated APIs, but its
 * `Watch` reports a non-200 answer as a plain Error with `.statusCode`, and a
 * watch ERROR event carries a `Status` whose `.code` is the status: callers
 * that only check one of these miss the others.
 */
export function errorStatus(err: unknown): number | undefined {
  if (err instanceof GridlakeError) {
    const s = err.context['status'];
    return typeof s === 'number' ? s : undefined;
  }
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e.statusCode === 'number') return e.statusCode;
  if (typeof e.code === 'number') return e.code;
  return undefined;
}

/** The `reason` of a Kubernetes error (`Conflict`, `AlreadyExists`, `NotFound`, `Expired`…), if known. */
export function errorReason(err: unknown): string | undefined {
  if (err instanceof GridlakeError) {
    const r = err.context['reason'];
    return typeof r === 'string' ? r : undefined;
  }
  if (typeof err !== 'object' || err === null) return undefined;
  const body = (err as { body?: unknown }).body;
  if (typeof body === 'object' && body !== null) return (body as KubeStatus).reason;
  if (typeof body === 'string') {
    try {
      return (JSON.parse(body) as KubeStatus).reason;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** 404. */
export const isNotFound = (err: unknown): boolean => errorStatus(err) === 404;
/** 409 because the object changed since it was read (optimistic concurrency). */
export const isConflict = (err: unknown): boolean => errorStatus(err) === 409 && errorReason(err) !== 'AlreadyExists';
/** 409 because the object already exists (a create raced, or a retry after a lost answer). */
export const isAlreadyExists = (err: unknown): boolean =>
  errorStatus(err) === 409 && errorReason(err) === 'AlreadyExists';
/** 410: the resourceVersion is too old (compacted); relist. */
export const isGone = (err: unknown): boolean => errorStatus(err) === 410 || errorReason(err) === 'Expired';
/** 429: throttled, or a watch cache that is still initialising. */
export const isTooManyRequests = (err: unknown): boolean => errorStatus(err) === 429;

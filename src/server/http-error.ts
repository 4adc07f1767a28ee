// Every error the API returns is `{ error: message }` with the status the contract names. Bad
// input is a 4xx with a message a person can act on; only Tiphys's own faults are a 5xx.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { KubeApiError } from '../adapters/kube/rest.ts';
import { ConflictError, InvalidRequestError, NotFoundError, UnavailableError } from '../domain/errors.ts';

export class HttpError extends Error {
  override name = 'HttpError';
  readonly statusCode: number;
  constructor(statusCode: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.statusCode = statusCode;
  }
}

export const badRequest = (message: string) => new HttpError(400, message);
export const notFound = (message: string) => new HttpError(404, message);
export const conflict = (message: string) => new HttpError(409, message);

/**
 * The status and message of an error from the control cluster's API server. Its 400 and 422
 * (a name Kubernetes refuses, a field the CRD rejects) are the caller's input; its own 401/403
 * mean Tiphys's service account lacks a right, which is the server's fault, not the caller's.
 */
export function fromKubeError(error: KubeApiError): HttpError {
  const status = error.status;
  if (status === 400 || status === 422) return new HttpError(400, error.message, { cause: error });
  if (status === 404 || status === 409 || status === 410) {
    return new HttpError(status === 410 ? 409 : status, error.message, { cause: error });
  }
  if (status === 0) return new HttpError(502, `the Kubernetes API is unreachable: ${error.message}`);
  return new HttpError(502, `the Kubernetes API refused the request: ${error.message}`, { cause: error });
}

/** Fastify's error handler: maps every error to the contract's `{error}` body and status. */
export function errorHandler(log: (line: string) => void) {
  return (error: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) => {
    const { status, message } = describeError(error);
    if (status >= 500) log(`${req.method} ${req.url}: ${error.stack ?? error.message}`);
    reply.code(status).type('application/json').send({ error: message });
  };
}

/** The status of a domain error: what went wrong decides it, not which operation failed. */
function domainStatus(error: unknown): number | undefined {
  if (error instanceof InvalidRequestError) return 400;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof UnavailableError) return 502;
  return undefined;
}

export function describeError(error: unknown): { status: number; message: string } {
  if (error instanceof HttpError) return { status: error.statusCode, message: error.message };
  const status = domainStatus(error);
  if (status !== undefined) return { status, message: (error as Error).message };
  if (error instanceof KubeApiError) {
    const mapped = fromKubeError(error);
    return { status: mapped.statusCode, message: mapped.message };
  }
  const statusCode = (error as { statusCode?: unknown }).statusCode;
  const message = error instanceof Error ? error.message : String(error);
  // Fastify's own 4xx (invalid JSON, unsupported media type, body too large) carry a status.
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return { status: statusCode, message };
  }
  return { status: 500, message: 'internal error; the server log has the details' };
}

// The errors of the domain operations, by what went wrong rather than by who asked: each door
// maps them to its own answer (the API server to an HTTP status, the CLI to a message and exit
// code), so the operations do not know whether a person or a program called them.

/** A failure a caller can act on; its message names the object and the cause. */
export class DomainError extends Error {
  override name = 'DomainError';
}

/** The request itself is wrong (bad field, bad combination): asking again changes nothing. */
export class InvalidRequestError extends DomainError {
  override name = 'InvalidRequestError';
}

/** The object the operation is about does not exist. */
export class NotFoundError extends DomainError {
  override name = 'NotFoundError';
}

/** The object's current state forbids the operation (it exists already, it is busy, in use). */
export class ConflictError extends DomainError {
  override name = 'ConflictError';
}

export class ApplicationNotFoundError extends NotFoundError {
  override name = 'ApplicationNotFoundError';
  readonly application: string;
  constructor(application: string, namespace: string) {
    super(`application "${application}" not found in namespace ${namespace}`);
    this.application = application;
  }
}

/** An operation (sync, rollback) was requested and the controller has not taken it yet. */
export class OperationPendingError extends ConflictError {
  override name = 'OperationPendingError';
  readonly application: string;
  constructor(application: string) {
    super(`another operation is already in progress on application "${application}"; wait for it to finish`);
    this.application = application;
  }
}

/** A credentials Secret of that name exists and replacing it was not asked for. */
export class SecretExistsError extends ConflictError {
  override name = 'SecretExistsError';
  readonly secret: string;
  constructor(secret: string, namespace: string) {
    super(`secret "${secret}" already exists in namespace ${namespace}`);
    this.secret = secret;
  }
}

/** Something the operation depends on (a destination cluster) did not answer in time. */
export class UnavailableError extends DomainError {
  override name = 'UnavailableError';
}

/** Maps the SDK's transient failures to one 503 the client can retry. */
import { ProblemError, ServiceUnavailableError } from '@polku/domain';

const TRANSIENT = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TransactionInProgressException',
  // A single-item write that met a transaction in progress on the item.
  'TransactionConflictException',
]);

export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return TRANSIENT.has(error.name) || (status !== undefined && status >= 500);
}

/** Rethrows an SDK error as a problem the API can answer with. */
export function translate(error: unknown): never {
  if (error instanceof ProblemError) throw error;
  if (isTransient(error)) {
    throw new ServiceUnavailableError('The database is busy; retry shortly', 1, { cause: error });
  }
  throw error;
}

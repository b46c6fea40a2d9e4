/** Node's errors for a server that cannot be reached at all. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);
/** PostgreSQL's SQLSTATEs for "not now": the server shutting down or starting, out of connections. */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300']);

/**
 * Whether a query failed because PostgreSQL could not be reached or would not take it now (down,
 * restarting, out of connections), as opposed to the query or its data being wrong. The durable
 * intake accepts a request without the database in the first case; the second is a bug to report.
 */
export function isPostgresUnavailable(err: unknown): boolean {
  // Not `instanceof Error`: errors of Node's own modules may come from another realm (a test VM).
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || SERVER_CODES.has(code) || code.startsWith('08'))) return true;
  // node-postgres' own words for a connection that went away or never came.
  return typeof message === 'string' && /^Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/.test(message);
}

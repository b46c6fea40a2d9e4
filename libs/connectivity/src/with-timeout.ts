/**
 * `work`'s outcome, or an Error(`message`) once `ms` have passed, whichever comes first. For calls
 * to a store that may accept a connection and never answer (a frozen Redis, a cluster whose connect
 * has no timeout): the caller stops waiting, the work itself goes on and its late outcome is
 * ignored (a late rejection is caught here, never unhandled). The timer is cleared either way.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  work.catch(() => undefined);
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

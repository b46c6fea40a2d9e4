/**
 * Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`
 * with the description: for waiting on queues and workers instead of sleeping.
 */
export async function waitFor<T>(description: string, check: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

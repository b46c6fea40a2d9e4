/** A process whose handlers do not match the contract refuses to start. */
export class ContractMismatchError extends Error {
  constructor(readonly problems: string[]) {
    super(`handlers do not match the contract:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ContractMismatchError';
  }
}

/**
 * Checks that every expected name has exactly one handler and that nothing else is handled.
 * `registered` lists one entry per handler found (so a name registered twice appears twice).
 */
export function assertHandlers(scope: string, expected: readonly string[], registered: readonly string[]): void {
  const problems: string[] = [];
  for (const name of expected) {
    const count = registered.filter((r) => r === name).length;
    if (count === 0) problems.push(`${scope}: no handler for "${name}"`);
    if (count > 1) problems.push(`${scope}: ${count} handlers for "${name}" (exactly one allowed)`);
  }
  for (const name of new Set(registered)) {
    if (!expected.includes(name)) problems.push(`${scope}: handler for "${name}", which ${scope} is not subscribed to`);
  }
  if (problems.length) throw new ContractMismatchError(problems);
}

import { hash, verify } from '@node-rs/argon2';

/** Long enough to resist guessing offline; long passphrases are welcome, up to a sane limit. */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/**
 * argon2id with the library's defaults (19 MiB, 2 passes: OWASP's baseline), about 15 ms here.
 * Passwords are NFKC-normalised first, so the same passphrase typed on another keyboard (full-width
 * digits, composed or decomposed accents) still matches.
 */
export function normalisePassword(password: string): string {
  return password.normalize('NFKC');
}

/** Returns a problem to show the user, or null when the password is acceptable. */
export function passwordProblem(password: string): string | null {
  const p = normalisePassword(password);
  if ([...p].length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if ([...p].length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  return null;
}

export function hashPassword(password: string): Promise<string> {
  return hash(normalisePassword(password));
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, normalisePassword(password));
  } catch {
    // A malformed stored hash verifies nothing.
    return false;
  }
}

import { z } from 'zod';
import type { EnvVar } from './env-var';

export type EnvSpec = Record<string, EnvVar>;
export type ConfigOf<S extends EnvSpec> = { [K in keyof S]: z.output<S[K]['schema']> };

/** Thrown when the environment does not fit the schema; the message names every bad variable. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly app: string,
    readonly problems: { name: string; message: string }[],
  ) {
    super(
      `${app}: invalid configuration\n` +
        problems.map((p) => `  ${p.name}: ${p.message}`).join('\n') +
        '\nFix the variables above (see the configuration table in README.md) and start again.',
    );
    this.name = 'ConfigError';
  }
}

/** What the error message says about a variable's value: never a secret's. */
function shown(v: EnvVar, raw: string | undefined): string {
  return raw === undefined ? 'it is not set' : v.secret ? 'got a value (secret, not shown)' : `got ${JSON.stringify(raw)}`;
}

/**
 * Reads and validates the variables of `spec` from `env`. Empty strings count as unset, so
 * `FOO=` in a compose file falls back to the default instead of failing on "".
 */
export function loadConfig<S extends EnvSpec>(app: string, spec: S, env: NodeJS.ProcessEnv = process.env): ConfigOf<S> {
  const problems: { name: string; message: string }[] = [];
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(spec)) {
    const raw = env[name] === '' ? undefined : env[name];
    const parsed = v.schema.safeParse(raw);
    if (parsed.success) {
      out[name] = parsed.data;
    } else {
      problems.push({ name, message: `${parsed.error.issues.map((i) => i.message).join('; ')} (${shown(v, raw)})` });
    }
  }
  // Conditions between variables (REDIS_PREFIX's hash tag when REDIS_CLUSTER_NODES is set), once
  // each variable has passed its own schema.
  for (const [name, v] of Object.entries(spec)) {
    if (!v.check || !(name in out)) continue;
    const message = v.check(out[name], out);
    if (message) problems.push({ name, message: `${message} (${shown(v, env[name] === '' ? undefined : env[name])})` });
  }
  if (problems.length) throw new ConfigError(app, problems);
  return out as ConfigOf<S>;
}

/** A copy of the configuration with secrets masked, safe to log. */
export function describeConfig<S extends EnvSpec>(spec: S, config: ConfigOf<S>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, spec[k]?.secret ? '***' : v]));
}

import { Logger, type LogLevel } from '@nestjs/common';
import { utf8BodyVerifier } from './validation/utf8-body';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { NestFactory } from '@nestjs/core';
import { ConfigError, describeConfig, loadConfig, type ConfigOf, type EnvSpec } from '@comeback/config';
import { AppRootModule, type ModuleImport } from './app-root.module';
import { securityHeaders } from './security';
import { checkInfrastructure, InfrastructureUnavailableError } from '@comeback/connectivity';
import type { DestinationStream } from 'pino';
import { HttpObserver, JsonLogger, ObservabilityModule, observeBullmqJobs } from './observability';

interface BaseConfig {
  DATABASE_URL: string;
  REDIS_URL: string;
  /** Redis Cluster seed nodes (REDIS_CLUSTER_NODES); unset for one Redis server. */
  REDIS_CLUSTER_NODES?: readonly { host: string; port: number }[];
  HOST: string;
  PORT: number;
  LOG_LEVEL: LogLevel;
  /** PG_POOL's size, for apps whose schema has PG_POOL_SIZE (pgPoolSizeVar). */
  PG_POOL_SIZE?: number;
}

/**
 * Loads and validates an app's configuration, or prints what is wrong and exits 1.
 * Done before Nest starts so the message is one readable block, not a stack trace.
 */
export function loadAppConfigOrExit<S extends EnvSpec>(app: string, spec: S): ConfigOf<S> {
  try {
    return loadConfig(app, spec);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

export interface AppOptions {
  app: string;
  config: BaseConfig & { REDIS_PREFIX: string };
  /** The app's feature modules; infrastructure and health are added here. */
  imports?: ModuleImport[];
  /** Largest JSON body accepted (Express's default is 100 kB). */
  jsonBodyLimit?: string;
  /** Accept HTML form posts (application/x-www-form-urlencoded, up to this size): the console's forms. */
  formBodyLimit?: string;
  /** Keep each request's raw body (req.rawBody) for signatures computed over the exact bytes (Viber). */
  rawBody?: boolean;
  /** Connects microservice transports (event consumers) before the app starts them and listens. */
  connectTransports?: (app: NestExpressApplication) => void;
  /** Where the JSON log lines go (stdout by default; tests read them). */
  logDestination?: DestinationStream;
}

/** Builds an app exactly as it runs, without listening: tests use this too. */
export async function createNestApp(opts: AppOptions): Promise<NestExpressApplication> {
  const { config } = opts;
  // JSON lines with the request's or job's correlation id (observability/); LOG_LEVEL as before.
  const logger = new JsonLogger(opts.app, config.LOG_LEVEL, opts.logDestination);
  observeBullmqJobs();
  const root = AppRootModule.forRoot({
    infrastructure: {
      appName: opts.app,
      databaseUrl: config.DATABASE_URL,
      redisUrl: config.REDIS_URL,
      redisClusterNodes: config.REDIS_CLUSTER_NODES,
      redisPrefix: config.REDIS_PREFIX,
      pgPoolSize: config.PG_POOL_SIZE,
    },
    imports: [ObservabilityModule.forRoot(logger), ...(opts.imports ?? [])],
  });
  // rawBody stays off here: Nest's hook would replace the UTF-8 check below, which keeps the raw bytes itself.
  const app = await NestFactory.create<NestExpressApplication>(root, { logger, rawBody: false });
  const keepRawBody = opts.rawBody ?? false;
  // SIGTERM drains: HTTP servers stop accepting and finish their requests, then every worker
  // finishes its active jobs, then pools and Redis close; the process then exits 0 (a stop asked
  // for and done cleanly), where Nest would otherwise re-raise the signal.
  app.enableShutdownHooks([], { useProcessExit: true });
  // Secure headers (helmet) on every response; pages with their own policy replace the CSP after this.
  app.use(securityHeaders());
  app.disable('x-powered-by');
  // Bodies that are not UTF-8 are refused (400), not stored as U+FFFD or as literal escapes.
  app.useBodyParser('json', { limit: opts.jsonBodyLimit ?? '100kb', verify: utf8BodyVerifier('json', keepRawBody) });
  // Flat fields only (extended: false): a form cannot smuggle nested objects into a handler.
  if (opts.formBodyLimit) app.useBodyParser('urlencoded', { limit: opts.formBodyLimit, extended: false, parameterLimit: 2000, verify: utf8BodyVerifier('form', keepRawBody) });
  // Correlation id, latency histogram and access line for every request, at the HTTP server
  // (in front of Express, so requests answered before it count too).
  app.get(HttpObserver).attach(app.getHttpServer());
  return app;
}

/**
 * Starts an app: checks PostgreSQL and Redis answer (or says how to start them and exits 1),
 * creates the Nest application with graceful shutdown, and listens.
 */
export async function bootstrapApp<S extends EnvSpec>(opts: Omit<AppOptions, 'config'> & { spec: S; config: ConfigOf<S> }): Promise<NestExpressApplication> {
  const config = opts.config as unknown as AppOptions['config'];
  const logger = new Logger(opts.app);
  try {
    await checkInfrastructure({ databaseUrl: config.DATABASE_URL, redisUrl: config.REDIS_URL, redisClusterNodes: config.REDIS_CLUSTER_NODES });
  } catch (err) {
    if (err instanceof InfrastructureUnavailableError) {
      process.stderr.write(`${opts.app} cannot start.\n${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const app = await createNestApp({ ...opts, config });
  if (opts.connectTransports) {
    opts.connectTransports(app);
    await app.startAllMicroservices();
  }
  await app.listen(config.PORT, config.HOST);
  logger.log(`listening on http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${config.PORT}`);
  logger.debug(`configuration ${JSON.stringify(describeConfig(opts.spec, opts.config))}`);
  return app;
}

import { type INestApplication, Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError, describeConfig, loadConfig, type ConfigOf, type EnvSpec } from '@comeback/config';
import { AppRootModule, type ModuleImport } from './app-root.module';
import { checkInfrastructure, InfrastructureUnavailableError } from './infrastructure';

const LEVELS: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];

interface BaseConfig {
  DATABASE_URL: string;
  REDIS_URL: string;
  HOST: string;
  PORT: number;
  LOG_LEVEL: LogLevel;
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

/**
 * Starts an app: checks PostgreSQL and Redis answer (or says how to start them and exits 1),
 * creates the Nest application, enables graceful shutdown and listens.
 */
export async function bootstrapApp<S extends EnvSpec>(opts: {
  app: string;
  spec: S;
  config: ConfigOf<S>;
  /** The app's feature modules; infrastructure and health are added here. */
  imports?: ModuleImport[];
  configure?: (app: INestApplication) => void | Promise<void>;
}): Promise<INestApplication> {
  const config = opts.config as unknown as BaseConfig;
  const logger = new Logger(opts.app);
  try {
    await checkInfrastructure({ databaseUrl: config.DATABASE_URL, redisUrl: config.REDIS_URL });
  } catch (err) {
    if (err instanceof InfrastructureUnavailableError) {
      process.stderr.write(`${opts.app} cannot start.\n${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const root = AppRootModule.forRoot({
    infrastructure: {
      appName: opts.app,
      databaseUrl: config.DATABASE_URL,
      redisUrl: config.REDIS_URL,
      redisPrefix: (opts.config as unknown as { REDIS_PREFIX: string }).REDIS_PREFIX,
    },
    imports: opts.imports ?? [],
  });
  const app = await NestFactory.create(root, {
    logger: LEVELS.slice(0, LEVELS.indexOf(config.LOG_LEVEL) + 1),
    bufferLogs: false,
  });
  app.enableShutdownHooks();
  await opts.configure?.(app);
  await app.listen(config.PORT, config.HOST);
  logger.log(`listening on http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${config.PORT}`);
  logger.debug(`configuration ${JSON.stringify(describeConfig(opts.spec, opts.config))}`);
  return app;
}

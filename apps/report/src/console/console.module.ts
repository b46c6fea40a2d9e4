import { type DynamicModule, Global, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { AuditPagesController } from './audit/audit-pages.controller';
import { AuditModule } from './audit/audit.module';
import { ConsoleGuard } from './auth/console.guard';
import { DeploymentOperators } from './auth/deployment-operators';
import { LoginRateLimits } from './auth/login-rate-limits';
import { ConsoleAssetsController } from './console-assets.controller';
import { ConsoleExceptionFilter } from './console-exception.filter';
import { ConsoleHeadersMiddleware } from './console-headers.middleware';
import { ConsoleLoginController } from './console-login.controller';
import { CONSOLE_OPTIONS, type ConsoleOptions } from './console.options';
import { ViewRenderer } from './view-renderer';

/**
 * The staff console's shared parts: sign-in, the session/role/CSRF guard, the page renderer and
 * message catalogs, error pages, security headers and static assets, the sign-in rate limits, and
 * the audit log (its page, and the service export routes record themselves with). Feature modules (lost
 * clients, client card, report pages, accounts) add their pages on top.
 */
@Global()
@Module({})
export class ConsoleModule implements NestModule {
  static forRoot(options: ConsoleOptions): DynamicModule {
    return {
      module: ConsoleModule,
      imports: [AuditModule],
      controllers: [ConsoleLoginController, ConsoleAssetsController, AuditPagesController],
      providers: [{ provide: CONSOLE_OPTIONS, useValue: options }, ViewRenderer, ConsoleGuard, DeploymentOperators, ConsoleExceptionFilter, LoginRateLimits],
      exports: [CONSOLE_OPTIONS, ViewRenderer, ConsoleGuard, DeploymentOperators, ConsoleExceptionFilter, AuditModule],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(ConsoleHeadersMiddleware).forRoutes('console', 'console/*path');
  }
}

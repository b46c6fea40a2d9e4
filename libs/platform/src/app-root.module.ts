import { type DynamicModule, Module } from '@nestjs/common';
import { HealthModule } from './health/health.module';
import { InfrastructureModule, type InfrastructureOptions } from './infrastructure.module';

export type ModuleImport = NonNullable<DynamicModule['imports']>[number];

/**
 * The root of every app: its PostgreSQL and Redis connections, `/health`, and its own feature
 * modules. Each app passes only what is its own, so the apps cannot drift apart on the basics.
 */
@Module({})
export class AppRootModule {
  static forRoot(opts: { infrastructure: InfrastructureOptions; imports: ModuleImport[] }): DynamicModule {
    return {
      module: AppRootModule,
      imports: [InfrastructureModule.forRoot(opts.infrastructure), HealthModule, ...opts.imports],
    };
  }
}

import { type DynamicModule, Global, Module } from '@nestjs/common';

/** The response collector's options every feature module may read. */
export const COLLECTOR_OPTIONS = Symbol('COLLECTOR_OPTIONS');

export interface CollectorOptions {
  /** The public base URL the app is reached at (webhook signatures cover the full URL). */
  publicBaseUrl: string;
}

@Global()
@Module({})
export class CollectorOptionsModule {
  static forRoot(options: CollectorOptions): DynamicModule {
    return { module: CollectorOptionsModule, providers: [{ provide: COLLECTOR_OPTIONS, useValue: options }], exports: [COLLECTOR_OPTIONS] };
  }
}

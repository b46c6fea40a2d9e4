import { type DynamicModule, Module } from '@nestjs/common';
import { ProviderRegistry } from '../providers/provider-registry';
import { SendProcessor } from './send.processor';
import { SendService } from './send.service';
import { DISPATCH_OPTIONS, type DispatchOptions } from './send.tokens';

/** Sending: the per-channel workers, the send state machine and the providers. */
@Module({})
export class SendModule {
  static forRoot(options: DispatchOptions): DynamicModule {
    return {
      module: SendModule,
      providers: [{ provide: DISPATCH_OPTIONS, useValue: options }, ProviderRegistry, SendService, SendProcessor],
      exports: [SendService],
    };
  }
}

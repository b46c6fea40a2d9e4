import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { PublicHeadersMiddleware } from '../feedback/public-headers.middleware';
import { UnsubscribeController } from './unsubscribe.controller';
import { UnsubscribeService } from './unsubscribe.service';

/**
 * Unsubscribe through a message's personal link (`GET|POST /u/:token`, the RFC 8058 one-click
 * endpoint included). Uses the feedback module's link lookup, pages and headers (it is global).
 */
@Module({ controllers: [UnsubscribeController], providers: [UnsubscribeService] })
export class UnsubscribeModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(PublicHeadersMiddleware).forRoutes('u/*path');
  }
}

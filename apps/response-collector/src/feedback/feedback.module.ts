import { type DynamicModule, Global, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { IntakeModule } from '../intake/intake.module';
import { FeedbackPages } from './feedback-pages';
import { FeedbackController } from './feedback.controller';
import { FEEDBACK_OPTIONS, type FeedbackOptions } from './feedback.options';
import { FeedbackService } from './feedback.service';
import { PersonalLinkService } from './personal-link.service';
import { PublicAssetsController } from './public-assets.controller';
import { PublicHeadersMiddleware } from './public-headers.middleware';
import { PublicPageFilter } from './public-page.filter';
import { PublicPages } from './public-pages';

/**
 * The feedback page behind each message's personal link (`GET|POST /f/:token`), and what every
 * public page shares: the link lookup (PersonalLinkService), the page renderer and catalogs
 * (PublicPages), the error pages (PublicPageFilter), the security headers and the stylesheet.
 * The unsubscribe module builds on these (global, so it need not repeat the options).
 */
@Global()
@Module({})
export class FeedbackModule implements NestModule {
  static forRoot(options: FeedbackOptions): DynamicModule {
    return {
      module: FeedbackModule,
      // Answers go to the durable intake; the inbound worker writes them (FeedbackRecordingModule).
      imports: [IntakeModule],
      controllers: [FeedbackController, PublicAssetsController],
      providers: [{ provide: FEEDBACK_OPTIONS, useValue: options }, PersonalLinkService, PublicPages, PublicPageFilter, FeedbackService, FeedbackPages],
      exports: [PersonalLinkService, PublicPages, PublicPageFilter, FeedbackService, FeedbackPages],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(PublicHeadersMiddleware).forRoutes('f/*path', 'public-assets/*path');
  }
}

import { join } from 'node:path';
import { Body, Controller, Get, Headers, Param, Post, Res, UseFilters } from '@nestjs/common';
import type { Response } from 'express';
import { PublicPageFilter } from '../feedback/public-page.filter';
import { type PageSet, PublicPages } from '../feedback/public-pages';
import { isOneClick } from './dto/one-click';
import { type UnsubscribePageModel, UnsubscribeService } from './unsubscribe.service';

/**
 * Opting out with a message's personal link. GET shows "stop messages on <channel>?" with a
 * button and changes nothing (link scanners and previews open links). POST stops them: the page's
 * button, and the RFC 8058 one-click endpoint that e-mail's List-Unsubscribe-Post header points
 * mail providers to. No cookie or CSRF token: a provider posts without either, and the token is
 * the credential. A one-click call gets an empty 200; a person gets the confirmation page.
 */
@Controller('u')
@UseFilters(PublicPageFilter)
export class UnsubscribeController {
  private readonly views: PageSet;

  constructor(
    private readonly unsubscribes: UnsubscribeService,
    pages: PublicPages,
  ) {
    this.views = pages.pageSet(join(__dirname, 'views'));
  }

  @Get(':token')
  async show(@Param('token') token: string, @Res() res: Response): Promise<void> {
    const page = await this.unsubscribes.page(token);
    res.status(200).type('html').send(this.render(page.unsubscribed ? 'unsubscribed' : 'unsubscribe', page, token));
  }

  @Post(':token')
  async unsubscribe(@Param('token') token: string, @Headers('content-type') contentType: string | undefined, @Body() body: unknown, @Res() res: Response): Promise<void> {
    const oneClick = isOneClick(contentType, body);
    const done = await this.unsubscribes.unsubscribe(token, oneClick ? 'unsubscribe-one-click' : 'unsubscribe-link');
    if (oneClick) {
      res.status(200).end();
      return;
    }
    res.status(200).type('html').send(this.render('unsubscribed', done, token));
  }

  private render(view: 'unsubscribe' | 'unsubscribed', page: UnsubscribePageModel, token: string): string {
    const { t, channel } = page;
    return this.views.render(view, t, { title: t.t(view === 'unsubscribe' ? 'unsubscribe.title' : 'unsubscribe.done.title'), organization: page.organization }, {
      question: t.t(`unsubscribe.question.${channel}`),
      done: t.t(`unsubscribe.done.${channel}`),
      // The feedback page of the same link (relative: works under any public base path).
      feedbackHref: `../f/${encodeURIComponent(token)}`,
    });
  }
}

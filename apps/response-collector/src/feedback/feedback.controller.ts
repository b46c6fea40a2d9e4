import { Body, Controller, Get, Headers, Param, Post, Res, UseFilters } from '@nestjs/common';
import type { Response } from 'express';
import { submittedValues } from './dto/feedback-answer.dto';
import { FeedbackPages } from './feedback-pages';
import { FeedbackError } from './feedback.errors';
import { FeedbackService } from './feedback.service';
import { visitorLanguage } from './i18n/translator';
import { PublicPageFilter } from './public-page.filter';

/**
 * The feedback page behind a message's personal link. GET shows it (and nothing is written: mail
 * scanners open links); POST takes the answer (the inbound worker writes it) and thanks the
 * client, or shows the form again with its problems (400). A plain HTML form: no script, no
 * cookie. The token is the only credential (144 random bits, only its hash stored), so no CSRF
 * token is needed or possible (a forged post would have to know the secret it would forge for).
 * Most answers arrive through the web process's lean path (LeanPathServer), which thanks them with
 * the same FeedbackService and FeedbackPages; this route answers the rest (refused answers, bad
 * links, unusual requests).
 */
@Controller('f')
@UseFilters(PublicPageFilter)
export class FeedbackController {
  constructor(
    private readonly feedback: FeedbackService,
    private readonly pages: FeedbackPages,
  ) {}

  @Get(':token')
  async show(@Param('token') token: string, @Res() res: Response): Promise<void> {
    res.status(200).type('html').send(this.pages.form(await this.feedback.page(token), []));
  }

  @Post(':token')
  async submit(@Param('token') token: string, @Body() body: unknown, @Headers('accept-language') acceptLanguage: string | undefined, @Res() res: Response): Promise<void> {
    try {
      const done = await this.feedback.submit(token, body, visitorLanguage(acceptLanguage));
      res.status(200).type('html').send(this.pages.thanks(done));
    } catch (err) {
      if (!(err instanceof FeedbackError) || err.code !== 'INVALID_ANSWER') throw err;
      // Shown again as sent, with each problem at its field (a bad link still answers 404 / 410 here).
      res.status(err.status).type('html').send(this.pages.form(await this.feedback.page(token, submittedValues(body)), err.problems));
    }
  }
}

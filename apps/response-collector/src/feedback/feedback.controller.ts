import { Body, Controller, Get, Param, Post, Res, UseFilters } from '@nestjs/common';
import type { Response } from 'express';
import { submittedValues } from './dto/feedback-answer.dto';
import { FeedbackError } from './feedback.errors';
import { FeedbackService, type FeedbackPageModel } from './feedback.service';
import { FEEDBACK_VIEWS_DIR, type PageSet, PublicPages } from './public-pages';
import { PublicPageFilter } from './public-page.filter';

/**
 * The feedback page behind a message's personal link. GET shows it (and nothing is written: mail
 * scanners open links); POST records the answer and thanks the client, or shows the form again
 * with its problems (400). A plain HTML form: no script, no cookie. The token is the only
 * credential (144 random bits, only its hash stored), so no CSRF token is needed or possible
 * (a forged post would have to know the secret it would forge for).
 */
@Controller('f')
@UseFilters(PublicPageFilter)
export class FeedbackController {
  private readonly views: PageSet;

  constructor(
    private readonly feedback: FeedbackService,
    pages: PublicPages,
  ) {
    this.views = pages.pageSet(FEEDBACK_VIEWS_DIR);
  }

  @Get(':token')
  async show(@Param('token') token: string, @Res() res: Response): Promise<void> {
    this.sendForm(res, 200, await this.feedback.page(token), []);
  }

  @Post(':token')
  async submit(@Param('token') token: string, @Body() body: unknown, @Res() res: Response): Promise<void> {
    try {
      const done = await this.feedback.submit(token, body);
      res
        .status(200)
        .type('html')
        .send(this.views.render('thanks', done.t, { title: done.t.t('thanks.title'), organization: done.organization }, { callMe: done.callMe, callTime: done.callTime }));
    } catch (err) {
      if (!(err instanceof FeedbackError) || err.code !== 'INVALID_ANSWER') throw err;
      // Shown again as sent, with each problem at its field (a bad link still answers 404 / 410 here).
      this.sendForm(res, err.status, await this.feedback.page(token, submittedValues(body)), err.problems);
    }
  }

  /** The form posts back to the page's own URL (no action attribute), so it works under any public base path. */
  private sendForm(res: Response, status: number, page: FeedbackPageModel, problems: readonly string[]): void {
    const { t, values } = page;
    const has = (field: string) => problems.includes(field);
    res
      .status(status)
      .type('html')
      .send(
        this.views.render('feedback', t, { title: t.t('feedback.title'), organization: page.organization }, {
          reasons: page.reasons.map((r) => ({ ...r, checked: r.id === values.reason })),
          noReasonChecked: !page.reasons.some((r) => r.id === values.reason),
          values,
          ratings: ['1', '2', '3', '4', '5'].map((value) => ({ value, checked: value === values.rating })),
          noRatingChecked: !['1', '2', '3', '4', '5'].includes(values.rating),
          answeredAt: page.answeredAt,
          problems: problems.map((p) => t.t(`feedback.problem.${p}`)),
          problem: { reason: has('reason'), text: has('text'), callTime: has('callTime'), rating: has('rating') },
        }),
      );
  }
}

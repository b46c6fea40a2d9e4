import { Injectable } from '@nestjs/common';
import type { FeedbackPageModel, ThanksModel } from './feedback.service';
import { FEEDBACK_VIEWS_DIR, type PageSet, PublicPages } from './public-pages';

/** The feedback page's HTML: the form (with its problems, if any) and the thank-you page. */
@Injectable()
export class FeedbackPages {
  private readonly views: PageSet;

  constructor(pages: PublicPages) {
    this.views = pages.pageSet(FEEDBACK_VIEWS_DIR);
  }

  /** The form posts back to the page's own URL (no action attribute), so it works under any public base path. */
  form(page: FeedbackPageModel, problems: readonly string[]): string {
    const { t, values } = page;
    const has = (field: string) => problems.includes(field);
    return this.views.render('feedback', t, { title: t.t('feedback.title'), organization: page.organization }, {
      reasons: page.reasons.map((r) => ({ ...r, checked: r.id === values.reason })),
      noReasonChecked: !page.reasons.some((r) => r.id === values.reason),
      values,
      ratings: ['1', '2', '3', '4', '5'].map((value) => ({ value, checked: value === values.rating })),
      noRatingChecked: !['1', '2', '3', '4', '5'].includes(values.rating),
      answeredAt: page.answeredAt,
      problems: problems.map((p) => t.t(`feedback.problem.${p}`)),
      problem: { reason: has('reason'), text: has('text'), callTime: has('callTime'), rating: has('rating') },
    });
  }

  thanks(done: ThanksModel): string {
    return this.views.render('thanks', done.t, { title: done.t.t('thanks.title'), organization: done.organization }, { callMe: done.callMe, callTime: done.callTime });
  }
}

import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ExpiringCache, PG_POOL } from '@comeback/platform';
import { listReasons, type ReasonListItem } from '@comeback/reasons';
import type { Pool } from 'pg';
import { IntakeService } from '../intake/intake.service';
import { isPostgresUnavailable } from '../intake/postgres-unavailable';
import { parseFeedbackAnswer, type SubmittedValues } from './dto/feedback-answer.dto';
import { FEEDBACK_SOURCE, type FeedbackSubmission, preciseNow } from './feedback-submission';
import { FeedbackError } from './feedback.errors';
import { choosePageLocale, type PageLocale, PublicTranslator } from './i18n/translator';
import { type AnswerableLink, type PersonalLink, PersonalLinkService, tokenHash } from './personal-link.service';

/** How many of the organization's reasons the page offers (the most used first). */
export const OFFERED_REASONS = 6;
/**
 * How long the page keeps an organization's current reasons. Usage is counted when read (over the
 * organization's replies, listReasons), too much to do for every page view; so a reason staff
 * just renamed, retired or merged shows as it was for up to this long (the answer's reason is
 * still checked when it comes, and a retired one is refused with the form again).
 */
const REASONS_TTL_MS = 30_000;

export interface ReasonChoice {
  id: string;
  label: string;
}

/** The feedback page of one link: in the client's language, with the organization's main reasons and the answer given so far. */
export interface FeedbackPageModel {
  t: PublicTranslator;
  organization: string;
  reasons: ReasonChoice[];
  values: SubmittedValues;
  /** When the answer shown was last sent, formatted; null before the first answer. */
  answeredAt: string | null;
}

export interface ThanksModel {
  t: PublicTranslator;
  /** The organization's name; undefined for an answer taken while the database was away (the link was not opened). */
  organization?: string;
  callMe: boolean;
  callTime: string | null;
}

const EMPTY_VALUES: SubmittedValues = { reason: '', text: '', callMe: false, callTime: '', rating: '' };

/**
 * The feedback page behind a message's personal link (`GET|POST /f/:token`). An answer goes
 * through the durable intake, like a provider's webhook: the form is checked (fields, then the
 * link and the reason in one indexed query), the answer is queued on the inbound queue (Redis,
 * AOF) with an idempotency key of its own, and the client is thanked at once; the inbound worker
 * writes it (FeedbackRecorder: one transaction under the message's lock, later answers update,
 * never duplicate, in the order they were sent). So a page that answers in milliseconds does not
 * wait on PostgreSQL's writes, and an answer sent while PostgreSQL is down is still taken: the form
 * is checked, the link and reason are not (they cannot be), and the worker checks them, as of when
 * the answer was sent, once the database is back.
 */
@Injectable()
export class FeedbackService {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly links: PersonalLinkService,
    private readonly intake: IntakeService,
  ) {}

  /** Each organization's current reasons, most used first (see REASONS_TTL_MS). */
  private readonly currentReasons = new ExpiringCache<ReasonListItem[]>(REASONS_TTL_MS, 1_000);

  /** The page for a link; `submitted` (a refused form's values) replaces the stored answer in the fields. */
  async page(token: string, submitted?: SubmittedValues): Promise<FeedbackPageModel> {
    const { previous, ...link } = await this.links.openForPage(token);
    const locale = this.localeOf(link);
    const t = new PublicTranslator(locale.language, link.timezone);
    const values: SubmittedValues =
      submitted ??
      (previous
        ? { reason: previous.reasonId ?? '', text: previous.freeText ?? '', callMe: previous.callMe, callTime: previous.callTime ?? '', rating: previous.rating === null ? '' : String(previous.rating) }
        : EMPTY_VALUES);
    const reasons = await this.reasonChoices(link.organizationId, locale, values.reason);
    return { t, organization: link.organizationName, reasons, values, answeredAt: previous ? t.formatDateTime(new Date(previous.updatedAt)) : null };
  }

  /**
   * Takes an answer: a FeedbackError for a refused answer (400, nothing queued) or a bad link
   * (404/410); otherwise it is queued for the inbound worker and the thank-you page's model comes
   * back. `visitorLanguage` is the page's language when the link cannot be opened (PostgreSQL away).
   */
  async submit(token: string, body: unknown, visitorLanguage: string): Promise<ThanksModel> {
    const parsed = parseFeedbackAnswer(body);
    if (!parsed.ok) throw new FeedbackError('INVALID_ANSWER', 'the answer is not acceptable', parsed.problems);
    const { answer } = parsed;
    const sentAt = preciseNow();
    const thanks = { callMe: answer.callMe, callTime: answer.callTime };
    let link: AnswerableLink;
    try {
      link = await this.links.openForAnswer(token, answer.reasonId);
    } catch (err) {
      if (!isPostgresUnavailable(err)) throw err;
      await this.accept({ checked: false, tokenHash: tokenHash(token).toString('hex'), answer, sentAt });
      return { t: new PublicTranslator(visitorLanguage), ...thanks };
    }
    if (!link.reasonOffered) throw new FeedbackError('INVALID_ANSWER', 'the reason is not one this organization offers', ['reason']);
    await this.accept({ checked: true, messageId: link.messageId, organizationId: link.organizationId, answer, sentAt });
    return { t: new PublicTranslator(this.localeOf(link).language, link.timezone), organization: link.organizationName, ...thanks };
  }

  /** Queues the answer; every submission is its own inbound request (a second one updates the first when written). */
  private async accept(submission: FeedbackSubmission): Promise<void> {
    await this.intake.accept(FEEDBACK_SOURCE, randomUUID(), submission as unknown as Record<string, unknown>);
  }

  /**
   * The reasons the page offers: the organization's most used current ones (not retired, not
   * merged into another; usage as the reason list counts it, listReasons), plus the one the client
   * picked before if it is not among them, each labelled in the page's locale (its label for the
   * region, then for the language), else the reason's default label.
   */
  private async reasonChoices(organizationId: string, locale: PageLocale, picked: string): Promise<ReasonChoice[]> {
    const byUsage = await this.reasonsByUsage(organizationId);
    const offered = byUsage.filter((r, i) => i < OFFERED_REASONS || r.id === picked);
    return offered.map((r) => {
      const locales = Object.keys(r.labels).sort();
      const own = locales.find((l) => l.toLowerCase() === locale.tag) ?? locales.find((l) => l.toLowerCase() === locale.language);
      return { id: r.id, label: own === undefined ? r.label : r.labels[own] };
    });
  }

  /** The organization's current reasons (not retired, not merged), most used first; kept for REASONS_TTL_MS, read again by one request. */
  private reasonsByUsage(organizationId: string): Promise<ReasonListItem[]> {
    return this.currentReasons.load(organizationId, async (id) => {
      const current = (await listReasons(this.pool, id)).filter((r) => r.retiredAt === null && r.mergedIntoId === null);
      return current.sort((a, b) => b.usageCount - a.usageCount || Number(BigInt(a.id) - BigInt(b.id)));
    });
  }

  /** The page's language: the client's, else their message's, else the organization's default; English as the last resort. */
  private localeOf(link: PersonalLink): PageLocale {
    return choosePageLocale([link.clientLocale, link.messageLocale, link.organizationLocale]);
  }
}

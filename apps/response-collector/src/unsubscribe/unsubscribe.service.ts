import { Inject, Injectable } from '@nestjs/common';
import type { Channel } from '@comeback/domain';
import { PG_POOL } from '@comeback/platform';
import type { Pool } from 'pg';
import { choosePageLocale, PublicTranslator } from '../feedback/i18n/translator';
import { type PersonalLink, PersonalLinkService } from '../feedback/personal-link.service';
import { setClientConsent } from '../replies/client-consent';

/** Where a consent change came from, as consent_changes.source records it. */
export type UnsubscribeSource = 'unsubscribe-link' | 'unsubscribe-one-click';

export interface UnsubscribePageModel {
  t: PublicTranslator;
  organization: string;
  channel: Channel;
  /** The client already opted out of this channel. */
  unsubscribed: boolean;
}

/**
 * Opting out through a message's personal link (`/u/:token`): the client's consent for that
 * message's channel becomes 'revoked', with a consent_changes row, once. Other channels are not
 * touched. Idempotent: a second request (a mail provider retrying, a second click) finds the
 * consent already revoked and changes nothing.
 */
@Injectable()
export class UnsubscribeService {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly links: PersonalLinkService,
  ) {}

  /** The "stop messages on this channel?" page; nothing is written. */
  async page(token: string): Promise<UnsubscribePageModel> {
    const link = await this.links.open(token);
    return this.model(link, link.consent === 'revoked');
  }

  /** Revokes the channel's consent (a FeedbackError for an unknown or gone link); returns the confirmation page's model and whether anything changed. */
  async unsubscribe(token: string, source: UnsubscribeSource): Promise<UnsubscribePageModel & { changed: boolean }> {
    const db = await this.pool.connect();
    try {
      await db.query('BEGIN');
      const link = await this.links.open(token, db);
      const changed = await setClientConsent(db, { organizationId: link.organizationId, clientId: link.clientId, channel: link.channel, status: 'revoked', source });
      await db.query('COMMIT');
      return { ...this.model(link, true), changed };
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      db.release();
    }
  }

  private model(link: PersonalLink, unsubscribed: boolean): UnsubscribePageModel {
    const locale = choosePageLocale([link.clientLocale, link.messageLocale, link.organizationLocale]);
    return { t: new PublicTranslator(locale.language, link.timezone), organization: link.organizationName, channel: link.channel, unsubscribed };
  }
}

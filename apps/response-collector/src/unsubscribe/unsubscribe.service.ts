import { Inject, Injectable } from '@nestjs/common';
import type { Channel } from '@comeback/domain';
import { PG_POOL } from '@comeback/platform';
import type { Pool } from 'pg';
import { choosePageLocale, PublicTranslator } from '../feedback/i18n/translator';
import { type PersonalLink, PersonalLinkService } from '../feedback/personal-link.service';

/** Where a consent change came from, as consent_changes.source records it. */
export type UnsubscribeSource = 'unsubscribe-link' | 'unsubscribe-one-click';

export interface UnsubscribePageModel {
  t: PublicTranslator;
  organization: string;
  channel: Channel;
  /** The client already opted out of this channel. */
  unsubscribed: boolean;
}

/** The consent column of each channel (a fixed map: no text from a request reaches the SQL). */
const CONSENT_COLUMN: Readonly<Record<Channel, string>> = { sms: 'consent_sms', email: 'consent_email', viber: 'consent_viber', voice: 'consent_voice' };

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
      const column = CONSENT_COLUMN[link.channel];
      // One statement: the update takes the client row's lock and re-checks the condition, so of
      // two concurrent requests exactly one changes the consent and writes its history.
      const { rowCount } = await db.query(
        `WITH changed AS (
           UPDATE clients SET ${column} = 'revoked', updated_at = now()
            WHERE organization_id = $1 AND id = $2 AND ${column} <> 'revoked'
            RETURNING organization_id, id
         )
         INSERT INTO consent_changes (organization_id, client_id, channel, status, source)
         SELECT organization_id, id, $3, 'revoked', $4 FROM changed`,
        [link.organizationId, link.clientId, link.channel, source],
      );
      await db.query('COMMIT');
      return { ...this.model(link, true), changed: (rowCount ?? 0) > 0 };
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

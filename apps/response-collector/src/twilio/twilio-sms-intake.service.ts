import { ForbiddenException, Inject, Injectable } from '@nestjs/common';
import { COLLECTOR_OPTIONS, type CollectorOptions } from '../collector-options.module';
import { IntakeService } from '../intake/intake.service';
import { keywordConfirmation, replyKeywordWithLanguage } from '../replies/reply-keywords';
import { WebhookSecretsService } from '../webhook-secrets/webhook-secrets.service';
import { TwilioAuthService } from './twilio-auth.service';

const MESSAGE_SID = /^(SM|MM)[0-9a-fA-F]{32}$/;

/** TwiML with at most one text message, escaped. */
export function twiml(message?: string): string {
  const escaped = message?.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${escaped ? `<Message>${escaped}</Message>` : ''}</Response>`;
}

/**
 * An inbound text (`POST /webhooks/twilio/sms?org=<organizationId>`, the number's webhook URL),
 * whichever HTTP path brought it (TwilioWebhooksController, or the web process's lean path for
 * the requests that come by the thousand): the signature is checked first (403, nothing kept,
 * when it does not match), the text goes to the durable intake, and the answer is TwiML with one
 * confirmation for an opt-out, opt-in or help keyword (no database needed for that).
 */
@Injectable()
export class TwilioSmsIntake {
  constructor(
    private readonly auth: TwilioAuthService,
    private readonly secrets: WebhookSecretsService,
    private readonly intake: IntakeService,
    @Inject(COLLECTOR_OPTIONS) private readonly options: CollectorOptions,
  ) {}

  /**
   * Takes the text and returns the TwiML to answer with; a ForbiddenException when the request is
   * not Twilio's for that organization. `pathAndQuery` is what Twilio called (the request's URL
   * without scheme and host: behind a proxy our host differs, so the public base comes first).
   */
  async take(pathAndQuery: string, org: unknown, signature: unknown, fields: Record<string, unknown>): Promise<string> {
    const url = `${this.options.publicBaseUrl.replace(/\/$/, '')}${pathAndQuery}`;
    if (!(await this.auth.verify(org, signature, url, fields))) throw new ForbiddenException('signature does not match');
    const sid = fields.MessageSid;
    if (typeof sid !== 'string' || !MESSAGE_SID.test(sid)) throw new ForbiddenException('MessageSid missing or malformed');
    await this.intake.accept('twilio-sms', sid, { ...fields, organizationId: org });
    const keyword = typeof fields.Body === 'string' ? replyKeywordWithLanguage(fields.Body) : null;
    const organization = keyword ? await this.secrets.organization(org) : null;
    // One confirmation, in the language the client wrote the keyword in.
    return twiml(keyword && organization ? keywordConfirmation(keyword.keyword, keyword.language, organization) : undefined);
  }
}

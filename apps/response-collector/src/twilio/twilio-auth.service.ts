import { Injectable } from '@nestjs/common';
import { WebhookSecretsService } from '../webhook-secrets/webhook-secrets.service';
import { isTwilioSignature } from './twilio-signature';

/**
 * Checks `X-Twilio-Signature` against the auth token of the organization the webhook names
 * (`?org=<id>` in the URL Twilio was given; the signature covers the whole URL, so once it checks
 * out the id is Twilio's word, not the caller's).
 */
@Injectable()
export class TwilioAuthService {
  constructor(private readonly secrets: WebhookSecretsService) {}

  /** Whether the request is signed by the organization's Twilio account. `url` is the full public URL Twilio called. */
  async verify(organizationId: unknown, signature: unknown, url: string, params: Record<string, unknown>): Promise<boolean> {
    if (typeof signature !== 'string' || !signature) return false;
    const token = (await this.secrets.organization(organizationId))?.twilioToken;
    if (!token) return false;
    // Once, over the exact public URL, compared in constant time (twilio-signature.ts).
    return isTwilioSignature(token, signature, url, params);
  }
}

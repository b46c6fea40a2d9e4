import { Injectable } from '@nestjs/common';
import twilio from 'twilio';
import { WebhookSecretsService } from '../webhook-secrets/webhook-secrets.service';

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
    // The SDK compares in constant time and tries the URL with and without the port, as Twilio signs it.
    return twilio.validateRequest(token, signature, url, params);
  }
}

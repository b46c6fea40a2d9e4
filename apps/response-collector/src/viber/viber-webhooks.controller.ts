import { createHmac, timingSafeEqual } from 'node:crypto';
import { Controller, ForbiddenException, Headers, HttpCode, Post, Query, Req } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import type { Request } from 'express';
import { IntakeService } from '../intake/intake.service';
import { WebhookSecretsService } from '../webhook-secrets/webhook-secrets.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const EVENTS = new Set(['message', 'delivered', 'seen', 'failed', 'subscribed', 'unsubscribed', 'conversation_started', 'webhook']);

/**
 * Viber's callbacks: `POST /webhooks/viber?org=<organizationId>` (the bot's webhook URL). The
 * signature (`X-Viber-Content-Signature`, HMAC-SHA256 of the raw body with the organization's bot
 * token) is checked first, in constant time; then the event goes to the durable intake, keyed by
 * event and message token, and the answer is immediate.
 */
@Controller('webhooks/viber')
export class ViberWebhooksController {
  constructor(
    private readonly secrets: WebhookSecretsService,
    private readonly intake: IntakeService,
  ) {}

  @Post()
  @HttpCode(200)
  async callback(@Req() req: RawBodyRequest<Request>, @Query('org') org: unknown, @Headers('x-viber-content-signature') signature: unknown): Promise<{ status: number }> {
    if (typeof org !== 'string' || !UUID.test(org) || typeof signature !== 'string' || !/^[0-9a-f]{64}$/i.test(signature) || !req.rawBody) throw new ForbiddenException('signature missing');
    const token = (await this.secrets.organization(org))?.viberToken;
    const expected = token ? createHmac('sha256', token).update(req.rawBody).digest() : Buffer.alloc(32);
    if (!token || !timingSafeEqual(expected, Buffer.from(signature, 'hex'))) throw new ForbiddenException('signature does not match');
    const body = req.body as Record<string, unknown>;
    const event = typeof body.event === 'string' ? body.event : '';
    if (!EVENTS.has(event)) throw new ForbiddenException(`unknown event "${event}"`);
    if (event === 'webhook') return { status: 0 }; // Viber checking the URL when it is set
    // Viber's message tokens are 64-bit integers: read from the raw text, as JSON numbers lose their last digits.
    const token64 = /"message_token"\s*:\s*(-?\d+)\s*[,}]/.exec(req.rawBody.toString('utf8'))?.[1];
    const key = `${event}-${token64 ?? String(body.timestamp ?? '')}`;
    if (key === `${event}-`) throw new ForbiddenException('no message_token or timestamp');
    await this.intake.accept('viber', key, { ...body, ...(token64 ? { message_token: token64 } : {}), organizationId: org });
    return { status: 0 };
  }
}

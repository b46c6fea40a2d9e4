import { Body, Controller, ForbiddenException, Headers, HttpCode, Inject, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { COLLECTOR_OPTIONS, type CollectorOptions } from '../collector-options.module';
import { IntakeService } from '../intake/intake.service';
import { TwilioAuthService } from './twilio-auth.service';
import { TwilioSmsIntake } from './twilio-sms-intake.service';

const CALL_OR_MESSAGE_SID = /^(SM|MM|CA)[0-9a-fA-F]{32}$/;

/**
 * Twilio's webhooks. Each checks the signature first (403, nothing recorded, when it does not
 * match), then hands the request to the durable intake and answers at once; the reply is
 * processed by the inbound worker. An opt-out, opt-in or help keyword is answered in the same
 * response (one confirmation), since it needs no database.
 */
@Controller('webhooks/twilio')
export class TwilioWebhooksController {
  constructor(
    private readonly auth: TwilioAuthService,
    private readonly sms: TwilioSmsIntake,
    private readonly intake: IntakeService,
    @Inject(COLLECTOR_OPTIONS) private readonly options: CollectorOptions,
  ) {}

  /**
   * An inbound text: `POST /webhooks/twilio/sms?org=<organizationId>` (the number's webhook URL).
   * Most arrive through the web process's lean path (LeanPathServer), which answers them with the
   * same TwilioSmsIntake; this route answers the rest (a refused signature, an unusual request).
   */
  @Post('sms')
  @HttpCode(200)
  async inboundText(@Req() req: Request, @Query('org') org: unknown, @Headers('x-twilio-signature') signature: unknown, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    res.type('text/xml').send(await this.sms.take(req.originalUrl, org, signature, body ?? {}));
  }

  /**
   * The keypad answer of an automated call (`<Gather>` action, set by the dispatcher):
   * `POST /webhooks/twilio/voice?org=<id>&message=<messageId>`. The key pressed goes to the
   * intake; the caller hears thanks and the call ends.
   */
  @Post('voice')
  @HttpCode(200)
  async voice(@Req() req: Request, @Query('org') org: unknown, @Query('message') message: unknown, @Headers('x-twilio-signature') signature: unknown, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    await this.verified(req, org, signature, body);
    const sid = body.CallSid;
    if (typeof sid !== 'string' || !/^CA[0-9a-fA-F]{32}$/.test(sid) || typeof message !== 'string' || !/^\d{1,18}$/.test(message)) throw new ForbiddenException('not a call of ours');
    await this.intake.accept('twilio-voice', `${sid}-gather`, { ...body, organizationId: org, messageId: message });
    res.type('text/xml').send('<?xml version="1.0" encoding="UTF-8"?><Response><Say>Thank you.</Say><Hangup/></Response>');
  }

  /** Delivery reports of messages and calls: `POST /webhooks/twilio/status?org=<id>&message=<messageId>` (set by the dispatcher). */
  @Post('status')
  @HttpCode(204)
  async status(@Req() req: Request, @Query('org') org: unknown, @Headers('x-twilio-signature') signature: unknown, @Body() body: Record<string, unknown>, @Query('message') message: unknown, @Res() res: Response): Promise<void> {
    await this.verified(req, org, signature, body);
    const sid = body.MessageSid ?? body.CallSid;
    const state = body.MessageStatus ?? body.CallStatus;
    if (typeof sid !== 'string' || !CALL_OR_MESSAGE_SID.test(sid) || typeof state !== 'string' || typeof message !== 'string' || !/^\d{1,18}$/.test(message)) {
      throw new ForbiddenException('not a status callback of ours');
    }
    await this.intake.accept('twilio-status', `${sid}-${state}`, { ...body, organizationId: org, messageId: message });
    res.status(204).end();
  }

  private async verified(req: Request, org: unknown, signature: unknown, body: Record<string, unknown>): Promise<void> {
    // The URL Twilio was given: our public base (behind a proxy the request's own host differs) and the path and query it called.
    const url = `${this.options.publicBaseUrl.replace(/\/$/, '')}${req.originalUrl}`;
    if (!(await this.auth.verify(org, signature, url, body ?? {}))) throw new ForbiddenException('signature does not match');
  }
}

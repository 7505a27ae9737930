import { z } from 'zod';
import type { Config } from '../../src/config';
import type { Logger } from '../../src/common/logger';
import { maskPhone } from '../../src/common/phone';
import type { SmsMessage, SmsResult, SmsSender } from '../../src/notification/sms.port';
import { fetchFailureReason } from '../http/fetch-failure';

export interface AfricasTalkingSmsOptions {
  username: string;
  apiKey: string;
  senderId?: string;
  /** Defaults by username: the sandbox host for "sandbox", the live one otherwise. Tests point it at a fake. */
  baseUrl?: string;
  timeoutMs?: number;
  logger: Logger;
}

/** 100 Processed, 101 Sent, 102 Queued: accepted by Africa's Talking; every other code is a refusal. */
const ACCEPTED = new Set([100, 101, 102]);

const answer = z.object({
  SMSMessageData: z.object({
    Message: z.string().default(''),
    Recipients: z.array(
      z.object({
        statusCode: z.coerce.number(),
        status: z.string(),
        messageId: z.string().optional(),
        number: z.string().optional(),
      }),
    ),
  }),
});

/**
 * Bulk SMS API, one recipient per call. Throws on network errors, timeouts, 429 and 5xx so the notifications queue
 * retries; answers REJECTED when Africa's Talking refuses the message, since sending it again would not help.
 */
export class AfricasTalkingSmsSender implements SmsSender {
  readonly name = 'africastalking';
  private readonly endpoint: string;
  private readonly timeoutMs: number;

  constructor(private readonly opts: AfricasTalkingSmsOptions) {
    const base =
      opts.baseUrl ??
      (opts.username === 'sandbox' ? 'https://api.sandbox.africastalking.com' : 'https://api.africastalking.com');
    this.endpoint = `${base.replace(/\/+$/, '')}/version1/messaging`;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  static fromConfig(config: Config, logger: Logger): AfricasTalkingSmsSender {
    if (!config.AT_USERNAME || !config.AT_API_KEY)
      throw new Error("Africa's Talking is not configured: set AT_USERNAME and AT_API_KEY");
    return new AfricasTalkingSmsSender({
      username: config.AT_USERNAME,
      apiKey: config.AT_API_KEY,
      senderId: config.AT_SMS_SENDER_ID,
      baseUrl: config.AT_BASE_URL,
      logger,
    });
  }

  async send(message: SmsMessage): Promise<SmsResult> {
    const form = new URLSearchParams({ username: this.opts.username, to: message.to, message: message.text });
    if (this.opts.senderId) form.set('from', this.opts.senderId);
    let status: number;
    let text: string;
    try {
      const res = await fetch(this.endpoint, {
        method: 'POST',
        headers: {
          apiKey: this.opts.apiKey,
          Accept: 'application/json',
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: form.toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      const reason = fetchFailureReason(err, this.timeoutMs);
      throw new Error(`Africa's Talking unreachable: ${reason}`);
    }
    if (status >= 500 || status === 429) throw new Error(`Africa's Talking answered ${status}: ${text.slice(0, 200)}`);
    if (status >= 400) {
      // 401 (bad key) lands here too: retrying cannot fix configuration, so it is logged loudly and not retried.
      this.opts.logger.error(
        { to: maskPhone(message.to), status, body: text.slice(0, 200) },
        "Africa's Talking refused the request",
      );
      return { status: 'REJECTED', detail: `HTTP ${status}: ${text.slice(0, 200)}` };
    }
    return this.interpret(message, status, text);
  }

  private interpret(message: SmsMessage, status: number, text: string): SmsResult {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`Africa's Talking answered ${status} with a body that is not JSON`);
    }
    const parsed = answer.safeParse(json);
    if (!parsed.success) throw new Error(`Africa's Talking answered ${status} with an unexpected body`);
    const { Message, Recipients } = parsed.data.SMSMessageData;
    const recipient = Recipients[0];
    // No recipient means the whole request was refused (e.g. "InvalidSenderId"); Message says why.
    if (!recipient) return { status: 'REJECTED', detail: Message || 'no recipient accepted' };
    const messageId = recipient.messageId && recipient.messageId !== 'None' ? recipient.messageId : undefined;
    if (ACCEPTED.has(recipient.statusCode)) {
      this.opts.logger.debug({ to: maskPhone(message.to), messageId }, 'sms sent');
      return { status: 'SENT', messageId, detail: recipient.status };
    }
    this.opts.logger.warn(
      { to: maskPhone(message.to), status: recipient.status, statusCode: recipient.statusCode },
      'sms rejected',
    );
    return { status: 'REJECTED', messageId, detail: `${recipient.status} (${recipient.statusCode})` };
  }
}

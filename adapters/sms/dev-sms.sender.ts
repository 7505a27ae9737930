import type { Logger } from '../../src/common/logger';
import { maskPhone } from '../../src/common/phone';
import type { SmsMessage, SmsResult, SmsSender } from '../../src/notification/sms.port';

/** Development sender: no credentials, no network; the message goes to the log so a developer can read login codes. */
export class DevSmsSender implements SmsSender {
  readonly name = 'dev-log';
  readonly sent: SmsMessage[] = [];

  constructor(private readonly logger: Logger) {}

  async send(message: SmsMessage): Promise<SmsResult> {
    this.sent.push(message);
    if (this.sent.length > 1000) this.sent.shift();
    this.logger.info({ to: maskPhone(message.to), text: message.text }, 'sms (development sender, not sent)');
    return { status: 'SENT', messageId: `dev-${this.sent.length}` };
  }
}

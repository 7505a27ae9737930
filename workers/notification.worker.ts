import { NotFoundError } from '@mikro-orm/core';
import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from '../src/common/logger';
import { maskPhone } from '../src/common/phone';
import type { Domain } from '../src/domain';
import { smsKey } from '../src/notification/notification.service';
import type { SmsSender } from '../src/notification/sms.port';
import type { NotificationEvent } from '../src/outbox/outbox';

interface NotificationJobData {
  event: NotificationEvent;
  subjectId: string;
  /**
   * The messages already sent, by recipient and message (smsKey), so a retry after a partial send texts only those
   * not yet texted. Not by position: the recipients' order may differ from one try to the next.
   */
  sentTo?: string[];
  [key: string]: unknown;
}

/**
 * The notifications queue: one job per domain event (`<event>-<subjectId>`), one SMS per recipient. A send that
 * throws (network, 5xx) is retried with back-off; a message the SMS provider refuses is logged and not retried.
 */
export function notificationProcessor(unitOfWork: () => Domain, sms: SmsSender, logger: Logger) {
  return async (job: Job<NotificationJobData>): Promise<string> => {
    const { event, subjectId, sentTo, ...data } = job.data;
    let messages;
    try {
      messages = await unitOfWork().notifications.messagesFor(event, subjectId, data);
    } catch (err) {
      if (err instanceof NotFoundError) throw new UnrecoverableError(`${event} ${subjectId}: subject no longer exists`);
      throw err;
    }
    const sent = new Set(sentTo ?? []);
    let refused = 0;
    for (const message of messages) {
      const key = smsKey(message);
      if (sent.has(key)) continue;
      const result = await sms.send({ to: message.to, text: message.text });
      if (result.status === 'REJECTED') {
        refused++;
        logger.warn(
          { event, subjectId, to: maskPhone(message.to), detail: result.detail },
          'sms refused by the provider',
        );
      }
      sent.add(key);
      await job.updateData({ ...job.data, sentTo: [...sent] });
    }
    return `${messages.length - refused} of ${messages.length} sent`;
  };
}

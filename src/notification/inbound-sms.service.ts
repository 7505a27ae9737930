import { randomUUID } from 'node:crypto';
import { tryNormalizePhone } from '../common/phone';
import type { ServiceContext } from '../domain';
import { notify } from '../outbox/outbox';
import { InboundSms } from './inbound-sms.entity';

export interface IncomingSms {
  from: string;
  text: string;
  id: string;
}

/**
 * Two-way SMS: a message in is recorded once per provider id, and its one reply is queued in the same
 * transaction (the notifications worker words it: HELP, STATUS VP-XXXXXX). A retry of the same message
 * by the provider finds the row and queues nothing.
 */
export class InboundSmsService {
  constructor(private readonly ctx: ServiceContext) {}

  async receive(sms: IncomingSms): Promise<'queued' | 'duplicate' | 'ignored'> {
    const from = tryNormalizePhone(sms.from, this.ctx.config.DEFAULT_COUNTRY);
    if (!from || !sms.id) return 'ignored';
    return this.ctx.em.transactional(async (em) => {
      const inserted = await em
        .createQueryBuilder(InboundSms)
        .insert({
          id: randomUUID(),
          providerId: sms.id.slice(0, 100),
          fromPhone: from,
          text: (sms.text ?? '').slice(0, 160),
          receivedAt: this.ctx.now(),
        })
        .onConflict('providerId')
        .ignore()
        .returning('id')
        .execute('all');
      const row = (inserted as Array<{ id: string }>)[0];
      if (!row) return 'duplicate';
      notify(em, this.ctx.now(), 'sms.reply', row.id);
      return 'queued';
    });
  }
}

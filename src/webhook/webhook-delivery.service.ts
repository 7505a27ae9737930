import { raw, type EntityManager } from '@mikro-orm/postgresql';
import type { ServiceContext } from '../domain';
import { enqueue, notify, QUEUES } from '../outbox/outbox';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { SecretBox } from './secret-box';
import { WebhookAttempt } from './webhook-attempt.entity';
import { DeliveryStatus, WebhookDelivery } from './webhook-delivery.entity';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { WebhookEvent } from './webhook-event.entity';
import { WEBHOOK_JOBS } from './webhook.events';
import { postWebhook, type SendResult } from './webhook.http';
import { httpPolicy } from './webhook.policy';
import { signatureHeader } from './webhook.signature';

const HOUR_MS = 3_600_000;
const MAX_BACKOFF_MS = HOUR_MS;

type Step = 'next' | 'stop';

/**
 * Moves events to endpoints, in order per contract: each (endpoint, contract) pair is a stream whose head is the
 * oldest event of the contract the endpoint hears and has not finished (delivered or given up). Only the head is
 * sent; the next event waits until it is finished. Failures are retried with exponential back-off (a delayed job
 * written to the outbox with the attempt's record) for WEBHOOK_RETRY_HOURS, always with the same event id.
 */
export class WebhookDeliveryService {
  constructor(private readonly ctx: ServiceContext) {}

  /**
   * The 'event' job: a new event moves on the stream of each endpoint of its partner that hears it, each in a job
   * of its own (written to the outbox): a slow endpoint delays no other, and a job holds one connection at most.
   */
  async fanOut(eventId: string): Promise<number> {
    const em = this.ctx.em.fork();
    const event = await em.findOne(WebhookEvent, { id: eventId });
    if (!event) return 0;
    const endpoints = (
      await em.find(WebhookEndpoint, {
        partnerId: event.partnerId,
        disabledAt: null,
        createdAt: { $lte: event.createdAt },
      })
    ).filter((e) => !e.events.length || e.events.includes(event.type));
    const jobId = (e: WebhookEndpoint) => `webhook-pump-${event.id}-${e.id}`;
    // A retried job (our side failed after the commit) does not write its pumps twice.
    const written = new Set(
      (await em.find(OutboxMessage, { jobId: { $in: endpoints.map(jobId) } }, { fields: ['jobId'] })).map(
        (m) => m.jobId,
      ),
    );
    await em.transactional(async (tx) => {
      for (const e of endpoints.filter((x) => !written.has(jobId(x))))
        enqueue(tx, this.ctx.now(), {
          queue: QUEUES.webhooks,
          name: WEBHOOK_JOBS.pump,
          jobId: jobId(e),
          data: { endpointId: e.id, contractId: event.contractId },
        });
    });
    return endpoints.length;
  }

  /**
   * Sends the stream's head, then the next, until the stream is empty or its head waits for a retry. `dueDelivery`
   * is the delivery a retry job was scheduled for: it goes now even if its clock and ours disagree by a little.
   */
  async pump(endpointId: string, contractId: string, dueDelivery?: string): Promise<void> {
    let due = dueDelivery;
    while ((await this.step(endpointId, contractId, due)) === 'next') due = undefined;
  }

  /** The 'redeliver' job: the event once more, outside the schedule; a success also finishes a pending delivery. */
  async redeliver(endpointId: string, eventId: string): Promise<void> {
    const event = await this.ctx.em.fork().findOne(WebhookEvent, { id: eventId });
    if (!event) return;
    const finished = await this.inStream(endpointId, event.contractId, async (em, endpoint) => {
      const delivery = await em.findOne(WebhookDelivery, { endpointId, eventSeq: event.seq });
      const result = await this.send(em, endpoint, event, (delivery?.attempts ?? 0) + 1, true);
      if (delivery) delivery.attempts++;
      if (result.ok && delivery?.status === DeliveryStatus.PENDING) {
        delivery.status = DeliveryStatus.DELIVERED;
        delivery.finishedAt = this.ctx.now();
        return 'next';
      }
      return 'stop';
    });
    if (finished === 'next') await this.pump(endpointId, event.contractId);
  }

  private async step(endpointId: string, contractId: string, dueDelivery?: string): Promise<Step> {
    return this.inStream(endpointId, contractId, async (em, endpoint) => {
      const event = await this.head(em, endpoint, contractId);
      if (!event) return 'stop';
      const now = this.ctx.now();
      let delivery = await em.findOne(WebhookDelivery, { endpointId, eventSeq: event.seq });
      if (delivery?.nextAttemptAt && delivery.nextAttemptAt > now && delivery.id !== dueDelivery) return 'stop';
      if (!delivery) {
        delivery = em.create(WebhookDelivery, { endpointId, eventSeq: event.seq, contractId, createdAt: now });
        em.persist(delivery);
      }
      delivery.attempts++;
      const result = await this.send(em, endpoint, event, delivery.attempts, false);
      const at = this.ctx.now();
      if (result.ok) {
        Object.assign(delivery, { status: DeliveryStatus.DELIVERED, finishedAt: at, nextAttemptAt: null });
        endpoint.failingSince = null;
        return 'next';
      }
      endpoint.failingSince ??= at;
      if (at.getTime() - endpoint.failingSince.getTime() >= this.ctx.config.WEBHOOK_DISABLE_AFTER_HOURS * HOUR_MS) {
        Object.assign(delivery, { status: DeliveryStatus.GAVE_UP, finishedAt: at, nextAttemptAt: null });
        await this.disable(em, endpoint);
        return 'stop';
      }
      if (at.getTime() - delivery.createdAt.getTime() >= this.ctx.config.WEBHOOK_RETRY_HOURS * HOUR_MS) {
        Object.assign(delivery, { status: DeliveryStatus.GAVE_UP, finishedAt: at, nextAttemptAt: null });
        this.ctx.logger.warn({ endpointId, eventId: event.id }, 'webhook event given up after the retry window');
        return 'next';
      }
      const delayMs = Math.min(this.ctx.config.WEBHOOK_BACKOFF_MS * 2 ** (delivery.attempts - 1), MAX_BACKOFF_MS);
      delivery.nextAttemptAt = new Date(at.getTime() + delayMs);
      enqueue(em, at, {
        queue: QUEUES.webhooks,
        name: WEBHOOK_JOBS.pump,
        jobId: `webhook-retry-${delivery.id}-${delivery.attempts}`,
        data: { endpointId, contractId, deliveryId: delivery.id },
        delayMs,
      });
      return 'stop';
    });
  }

  /**
   * One transaction per attempt, holding the stream's advisory lock while its one POST (at most WEBHOOK_TIMEOUT_MS)
   * runs: a second job for the same stream waits, then sees what the first recorded, so events never overtake each
   * other and none is forgotten. A fork of its own: the attempt's record commits on its own, whatever came before.
   */
  private async inStream(
    endpointId: string,
    contractId: string,
    work: (em: EntityManager, endpoint: WebhookEndpoint) => Promise<Step>,
  ): Promise<Step> {
    return this.ctx.em.fork().transactional(async (em) => {
      await em.execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [`webhook:${endpointId}:${contractId}`]);
      const endpoint = await em.findOne(WebhookEndpoint, { id: endpointId });
      if (!endpoint || endpoint.disabledAt) return 'stop';
      return work(em, endpoint);
    });
  }

  /** The oldest event of the contract this endpoint hears and has not finished. */
  private head(em: EntityManager, endpoint: WebhookEndpoint, contractId: string): Promise<WebhookEvent | null> {
    return em.findOne(
      WebhookEvent,
      {
        contractId,
        partnerId: endpoint.partnerId,
        createdAt: { $gte: endpoint.createdAt },
        ...(endpoint.events.length ? { type: { $in: endpoint.events } } : {}),
        seq: {
          $nin: raw(
            'select event_seq from webhook_deliveries where endpoint_id = ? and contract_id = ? and status <> ?',
            [endpoint.id, contractId, DeliveryStatus.PENDING],
          ),
        },
      },
      { orderBy: { seq: 'asc' } },
    );
  }

  private async send(
    em: EntityManager,
    endpoint: WebhookEndpoint,
    event: WebhookEvent,
    attempt: number,
    redelivery: boolean,
  ): Promise<SendResult> {
    const body = JSON.stringify({ id: event.id, type: event.type, createdAt: event.createdAt, data: event.data });
    let result: SendResult;
    let secret: string | null = null;
    try {
      secret = new SecretBox(this.ctx.config.WEBHOOK_SECRET_KEY).open(endpoint.secretEncrypted);
    } catch {
      // Not sent unsigned: the key changed (a development restart) or the value was tampered with.
      result = {
        ok: false,
        statusCode: null,
        body: null,
        error: 'signing secret unreadable: rotate it',
        durationMs: 0,
      };
    }
    if (secret !== null)
      result = await postWebhook(
        endpoint.url,
        {
          'User-Agent': 'VoicePact-Webhooks/1',
          'VoicePact-Event-Id': event.id,
          'VoicePact-Signature': signatureHeader(secret, body, this.ctx.now()),
        },
        body,
        httpPolicy(this.ctx),
      );
    em.persist(
      em.create(WebhookAttempt, {
        endpointId: endpoint.id,
        eventId: event.id,
        eventType: event.type,
        attempt,
        succeeded: result!.ok,
        statusCode: result!.statusCode,
        responseBody: result!.body,
        error: result!.error?.slice(0, 300) ?? null,
        durationMs: result!.durationMs,
        redelivery,
        createdAt: this.ctx.now(),
      }),
    );
    return result!;
  }

  /** Failing for a day: no more attempts, its waiting deliveries are given up, support is told (once). */
  private async disable(em: EntityManager, endpoint: WebhookEndpoint): Promise<void> {
    endpoint.disabledAt = this.ctx.now();
    await em.nativeUpdate(
      WebhookDelivery,
      { endpointId: endpoint.id, status: DeliveryStatus.PENDING },
      { status: DeliveryStatus.GAVE_UP, finishedAt: this.ctx.now(), nextAttemptAt: null },
    );
    notify(em, this.ctx.now(), 'webhook.disabled', endpoint.id, { partnerId: endpoint.partnerId });
    this.ctx.logger.warn({ endpointId: endpoint.id, partnerId: endpoint.partnerId }, 'webhook endpoint disabled');
  }
}

import type { Actor } from '../auth/actor';
import { requireAuthenticated } from '../auth/policy';
import { badInput, DomainError } from '../common/errors';
import { afterCursor, decodeCursor, pageSize, toPage, type Page, type PageArgs } from '../common/pagination';
import type { ServiceContext } from '../domain';
import { enqueue, QUEUES } from '../outbox/outbox';
import { newWebhookSecret, SecretBox } from './secret-box';
import { WebhookAttempt } from './webhook-attempt.entity';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { WebhookEvent } from './webhook-event.entity';
import { WEBHOOK_EVENT_TYPES, WEBHOOK_JOBS } from './webhook.events';
import { checkWebhookUrl } from './webhook.http';
import { httpPolicy } from './webhook.policy';

export interface CreateEndpointData {
  url: string;
  events?: string[] | null;
}

/** The endpoint and its secret in clear: returned only by create and rotate, never stored or listed so. */
export interface EndpointWithSecret {
  endpoint: WebhookEndpoint;
  secret: string;
}

const MAX_ENDPOINTS = 10;

const endpointNotFound = (id: string) => new DomainError('NOT_FOUND', `Webhook endpoint ${id} was not found`);

/** A partner's webhook endpoints: only the partner's own key manages them, and only its own. */
export class WebhookService {
  constructor(private readonly ctx: ServiceContext) {}

  private get box() {
    return new SecretBox(this.ctx.config.WEBHOOK_SECRET_KEY);
  }

  async create(actor: Actor, input: CreateEndpointData): Promise<EndpointWithSecret> {
    const partnerId = requirePartner(actor);
    const events = checkEvents(input.events);
    const url = await checkWebhookUrl(input.url ?? '', httpPolicy(this.ctx));
    if ((await this.ctx.em.count(WebhookEndpoint, { partnerId, disabledAt: null })) >= MAX_ENDPOINTS)
      throw badInput(`A partner may have at most ${MAX_ENDPOINTS} webhook endpoints`);
    const secret = newWebhookSecret();
    const endpoint = this.ctx.em.create(WebhookEndpoint, {
      partnerId,
      url: url.toString(),
      events,
      secretEncrypted: this.box.seal(secret),
      createdAt: this.ctx.now(),
    });
    await this.ctx.em.persistAndFlush(endpoint);
    return { endpoint, secret };
  }

  async list(actor: Actor): Promise<WebhookEndpoint[]> {
    const partnerId = requirePartner(actor);
    return this.ctx.em.find(WebhookEndpoint, { partnerId }, { orderBy: { createdAt: 'desc', id: 'desc' } });
  }

  async delete(actor: Actor, id: string): Promise<boolean> {
    const endpoint = await this.own(actor, id);
    await this.ctx.em.transactional(async (em) => {
      await em.nativeDelete(WebhookAttempt, { endpointId: endpoint.id });
      await em.nativeDelete(WebhookDelivery, { endpointId: endpoint.id });
      await em.nativeDelete(WebhookEndpoint, { id: endpoint.id });
    });
    return true;
  }

  /** A new secret from now on; the old one signs nothing more. */
  async rotateSecret(actor: Actor, id: string): Promise<EndpointWithSecret> {
    const endpoint = await this.own(actor, id);
    const secret = newWebhookSecret();
    endpoint.secretEncrypted = this.box.seal(secret);
    await this.ctx.em.flush();
    return { endpoint, secret };
  }

  /** Every attempt to this endpoint and its answer, newest first. */
  async deliveries(actor: Actor, endpointId: string, page: PageArgs): Promise<Page<WebhookAttempt>> {
    const endpoint = await this.own(actor, endpointId);
    const size = pageSize(page.first);
    const where = { endpointId: endpoint.id };
    const rows = await this.ctx.em.find(
      WebhookAttempt,
      { $and: [where, afterCursor(decodeCursor(page.after))] },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1 },
    );
    return toPage(rows, size, () => this.ctx.em.count(WebhookAttempt, where));
  }

  /** Sends the event once more to each of the partner's enabled endpoints that hear it, outside the retry schedule. */
  async redeliver(actor: Actor, eventId: string): Promise<WebhookEvent> {
    const partnerId = requirePartner(actor);
    const event = UUID.test(eventId ?? '')
      ? await this.ctx.em.findOne(WebhookEvent, { id: eventId.toLowerCase(), partnerId })
      : null;
    if (!event) throw new DomainError('NOT_FOUND', `Webhook event ${String(eventId).slice(0, 40)} was not found`);
    const endpoints = (await this.ctx.em.find(WebhookEndpoint, { partnerId, disabledAt: null })).filter(
      (e) => !e.events.length || e.events.includes(event.type),
    );
    if (!endpoints.length) throw badInput('No enabled webhook endpoint hears this event');
    const at = this.ctx.now().getTime();
    await this.ctx.em.transactional(async (em) => {
      for (const endpoint of endpoints)
        enqueue(em, this.ctx.now(), {
          queue: QUEUES.webhooks,
          name: WEBHOOK_JOBS.redeliver,
          jobId: `webhook-redeliver-${event.id}-${endpoint.id}-${at}`,
          data: { endpointId: endpoint.id, eventId: event.id },
        });
    });
    return event;
  }

  private async own(actor: Actor, id: string): Promise<WebhookEndpoint> {
    const partnerId = requirePartner(actor);
    const endpoint = UUID.test(id ?? '')
      ? await this.ctx.em.findOne(WebhookEndpoint, { id: id.toLowerCase(), partnerId })
      : null;
    if (!endpoint) throw endpointNotFound(String(id).slice(0, 40));
    return endpoint;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function requirePartner(actor: Actor): string {
  requireAuthenticated(actor);
  if (actor.kind !== 'partner')
    throw new DomainError('FORBIDDEN', 'Webhook endpoints belong to partners: use a partner API key');
  return actor.partnerId;
}

function checkEvents(events?: string[] | null): string[] {
  if (!events?.length) return []; // all of them
  const known = new Set<string>(WEBHOOK_EVENT_TYPES);
  const unknown = events.find((e) => !known.has(e));
  if (unknown)
    throw badInput(`Unknown event type ${unknown.slice(0, 40)}; known: ${WEBHOOK_EVENT_TYPES.join(', ')}`, {
      field: 'events',
    });
  return [...new Set(events)];
}

import { Counter, Histogram, Registry } from 'prom-client';

/**
 * What operators watch (GET /metrics, admin key): requests by screen and outcome, latency, sessions by how
 * they ended, errors. A registry per app, not prom-client's global one, so several apps in one process
 * (the tests) do not collide.
 */
export function createUssdMetrics(registry = new Registry()) {
  return {
    registry,
    requests: new Counter({
      name: 'ussd_requests_total',
      help: 'USSD webhook requests by the screen answered and the outcome (con, end, invalid, replay, timeout, error, rate_limited, rejected)',
      labelNames: ['screen', 'outcome'] as const,
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'ussd_request_duration_seconds',
      help: 'Time to answer a USSD webhook request',
      labelNames: ['outcome'] as const,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    sessionsEnded: new Counter({
      name: 'ussd_sessions_ended_total',
      help: "USSD sessions ended, by Africa's Talking's status (Success, Incomplete, Failed)",
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    errors: new Counter({
      name: 'ussd_errors_total',
      help: 'Faults answered with the generic END screen, or degraded (rate-limit store down)',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
  };
}

export type UssdMetrics = ReturnType<typeof createUssdMetrics>;

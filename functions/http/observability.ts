// Structured logs, metrics and traces (Powertools for AWS Lambda), one of
// each per container. Outside Lambda the tracer is off by itself; the local
// server and tests switch metrics off with POWERTOOLS_METRICS_DISABLED.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { VerifyRequest } from '../../protocol/requests.ts';
import type { PushResult, VerifyResponse } from '../../protocol/responses.ts';
import { METRICS_NAMESPACE, SERVICE_NAME, STAGE_ENV, SYNC_METRICS } from './metric-names.ts';

export { SYNC_METRICS };

export const logger = new Logger({ serviceName: SERVICE_NAME });
// Its own warnings go through the logger (and its level), not bare console output.
export const metrics = new Metrics({
  serviceName: SERVICE_NAME,
  namespace: METRICS_NAMESPACE,
  logger,
  // One dashboard per stage: every business metric carries its stage.
  defaultDimensions: { stage: process.env[STAGE_ENV] ?? 'local' },
});
export const tracer = new Tracer({ serviceName: SERVICE_NAME });

/** Records pushed by outcome: created/updated/unchanged/stale/deleted/invalid. */
export function countPushOutcomes(results: Partial<Record<string, PushResult[]>>): void {
  const counts = new Map<PushResult['status'], number>();
  for (const list of Object.values(results))
    for (const r of list ?? []) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  let total = 0;
  for (const [status, count] of counts) {
    metrics.addMetric(SYNC_METRICS.pushed[status], MetricUnit.Count, count);
    total += count;
  }
  metrics.addMetric(SYNC_METRICS.pushedTotal, MetricUnit.Count, total);
}

export function countPull(page: { records: number; reset: boolean; complete: boolean }): void {
  metrics.addMetric(SYNC_METRICS.pulled, MetricUnit.Count, page.records);
  if (page.reset) metrics.addMetric(SYNC_METRICS.resets, MetricUnit.Count, 1);
  if (page.complete) metrics.addMetric(SYNC_METRICS.syncsCompleted, MetricUnit.Count, 1);
}

/**
 * A verify page: its metrics, and one log line naming the device. Verify
 * writes nothing, so this line is the only trace of which device verified
 * what, and how often (a client stuck re-verifying shows here).
 */
export function recordVerify(request: VerifyRequest, response: VerifyResponse): void {
  const records = response.parts.reduce((n, part) => n + part.count, 0);
  const complete = response.cursor === null;
  metrics.addMetric(SYNC_METRICS.verified, MetricUnit.Count, records);
  if (complete) metrics.addMetric(SYNC_METRICS.verifiesCompleted, MetricUnit.Count, 1);
  logger.info('verify', {
    deviceId: request.deviceId,
    collection: request.collection,
    continued: request.cursor !== null,
    parts: response.parts.length,
    records,
    complete,
  });
}

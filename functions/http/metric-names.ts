// Business metric names and dimensions, shared by the functions (which emit
// them) and the CDK dashboard and alarms (which read them). Pure: `cdk synth`
// imports it without loading Powertools.
export const SERVICE_NAME = 'mobile-sales-sync';
export const METRICS_NAMESPACE = 'MobileSalesSync';
/** Set on every function by the stack; each metric carries it as the `stage` dimension. */
export const STAGE_ENV = 'STAGE';

export const SYNC_METRICS = {
  pushed: {
    created: 'PushCreated',
    updated: 'PushUpdated',
    unchanged: 'PushUnchanged',
    stale: 'PushStale',
    deleted: 'PushDeleted',
    invalid: 'PushInvalid',
  },
  pushedTotal: 'RecordsPushed',
  pulled: 'RecordsPulled',
  resets: 'CursorResets',
  syncsCompleted: 'SyncNowCompleted',
  /** Live records a verify page counted, and ranges verified to their end (the page with no cursor). */
  verified: 'RecordsVerified',
  verifiesCompleted: 'VerifyRangesCompleted',
  /** Sync requests answered 4xx (bad envelopes, cursors, tokens) and 5xx. */
  rejected: 'SyncRequestsRejected',
  failed: 'SyncRequestsFailed',
} as const;

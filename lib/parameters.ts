// What the data stack hands the API stack, as SSM parameters rather than
// CloudFormation exports. An export cannot change or go while another stack
// imports it, so pointing the service at a restored table would mean a
// two-phase dance; a parameter is read afresh by every deploy of the API
// stack. Standard parameters cost nothing.
import type { Stage } from './stages.ts';

export type Handoff = 'recordsTable' | 'syncStateTable' | 'cursorKeyArn' | 'jwtIssuer' | 'jwtAudience';

const names: Record<Handoff, string> = {
  recordsTable: 'records-table-name',
  syncStateTable: 'sync-state-table-name',
  cursorKeyArn: 'cursor-key-arn',
  jwtIssuer: 'jwt-issuer',
  /** Comma-separated. */
  jwtAudience: 'jwt-audience',
};

export const handoffNames = Object.keys(names) as Handoff[];

/** The parameter's name, e.g. /mobile-sales-sync/prod/records-table-name. */
export function parameterName(stage: Stage, handoff: Handoff): string {
  return `/mobile-sales-sync/${stage}/${names[handoff]}`;
}

// What differs between stages (docs/deploy.md lists it).
import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

export type Stage = 'dev' | 'prod';

export const stageSettings = {
  dev: {
    retain: false,
    removalPolicy: RemovalPolicy.DESTROY,
    logRetention: RetentionDays.ONE_WEEK,
    rateLimit: 50,
    burstLimit: 100,
    threatProtection: false,
  },
  prod: {
    retain: true,
    removalPolicy: RemovalPolicy.RETAIN,
    logRetention: RetentionDays.THREE_MONTHS,
    rateLimit: 500,
    burstLimit: 1000,
    threatProtection: true,
  },
} as const;

export type StageSettings = (typeof stageSettings)[Stage];

// What differs between stages (docs/deploy.md lists it).
import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

export type Stage = 'dev' | 'prod';

export const stageSettings = {
  dev: {
    // A stage names its region: left to the CLI, a missing AWS_REGION would
    // quietly bake us-east-1 (its default) into the templates.
    region: 'us-east-1',
    retain: false,
    removalPolicy: RemovalPolicy.DESTROY,
    logRetention: RetentionDays.ONE_WEEK,
    rateLimit: 50,
    burstLimit: 100,
    // Health, openapi.json and the 404 catch-all: no token, so their own, lower limit.
    anonymousRateLimit: 5,
    anonymousBurstLimit: 10,
    threatProtection: false,
  },
  prod: {
    region: 'us-east-1',
    retain: true,
    removalPolicy: RemovalPolicy.RETAIN,
    logRetention: RetentionDays.THREE_MONTHS,
    rateLimit: 500,
    burstLimit: 1000,
    anonymousRateLimit: 20,
    anonymousBurstLimit: 40,
    threatProtection: true,
  },
} as const;

export type StageSettings = (typeof stageSettings)[Stage];

/**
 * Lambda concurrency assumed when `-c lambdaConcurrencyLimit` is not given:
 * the smallest account quota AWS hands new accounts. Too low an assumption
 * makes the concurrency alarm fire early; too high, it would never fire
 * before throttling does.
 */
export const DEFAULT_LAMBDA_CONCURRENCY_LIMIT = 10;

// One structured JSON logger per container (Powertools). Level from
// POWERTOOLS_LOG_LEVEL; the tests set it to silence expected errors.
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: 'mobile-sales-sync' });

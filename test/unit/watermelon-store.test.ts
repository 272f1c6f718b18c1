// The WatermelonDB adapter's store keeps the LocalStore contract
// (client/store-contract.ts), over LokiJS in memory.
import { describe, expect, it } from 'vitest';
import { describeStoreContract } from '../../client/store-contract.ts';
import { openWatermelon } from '../support/frameworks.ts';

describeStoreContract('WatermelonStore', async () => (await openWatermelon()).store, { describe, it, expect });

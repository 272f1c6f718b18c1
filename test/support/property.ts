// fast-check settings from the environment, for every property test:
// FC_SEED and FC_PATH replay a failure exactly as fast-check prints it;
// FC_RUNS sets how many runs (npm run test:soak raises it); FC_END stops at
// the first failure without shrinking (counting the runs a planted bug
// survives).
export function propertyParams(defaultRuns: number): {
  numRuns: number;
  seed?: number;
  path?: string;
  endOnFailure?: boolean;
} {
  return {
    numRuns: Number(process.env.FC_RUNS ?? defaultRuns),
    ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}),
    ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
    ...(process.env.FC_END ? { endOnFailure: true } : {}),
  };
}

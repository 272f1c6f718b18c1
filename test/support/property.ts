// fast-check settings from the environment, for every property test:
// FC_SEED and FC_PATH replay a failure exactly as fast-check prints it;
// FC_RUNS sets how many runs (npm run test:soak raises it).
export function propertyParams(defaultRuns: number): { numRuns: number; seed?: number; path?: string } {
  return {
    numRuns: Number(process.env.FC_RUNS ?? defaultRuns),
    ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}),
    ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
  };
}

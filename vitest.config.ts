import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

/* Tier 5 (full topologies, test/full) is its own CI stage: NYMOTE_TIER=full selects it. */
const full = process.env.NYMOTE_TIER === 'full';

export default defineConfig({
  resolve: { alias: { nymote: fileURLToPath(new URL('./sdk/index.ts', import.meta.url)) } },
  test: {
    include: full ? ['test/full/**/*.test.ts'] : ['**/*.test.ts'],
    exclude: ['node_modules/**', 'build/**', 'images/**', ...(full ? [] : ['test/full/**'])],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
  },
});

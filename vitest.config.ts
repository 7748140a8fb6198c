import { defineConfig } from 'vitest/config';

// Two projects: `unit` is pure and fast (no servers); `integration` starts the
// real servers once per run in its global setup (test/infra/global-setup.ts).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // Unit files first, then integration: the two projects use different worker limits.
          sequence: { groupOrder: 0 },
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          sequence: { groupOrder: 1 },
          environment: 'node',
          globalSetup: ['test/infra/global-setup.ts'],
          env: { KAFKAJS_NO_PARTITIONER_WARNING: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: 'forks',
          // Servers are shared by the whole run; two files at once is what 2 cores sustain.
          maxWorkers: 2,
        },
      },
    ],
  },
});

import NodeEnvironment from 'jest-environment-node';
import type { Circus } from '@jest/types';

/**
 * Jest's node environment that notes in the test's globals whether a test or hook of the file failed, so that
 * report.ts can print the services' own output (their logs) under the failure instead of losing it.
 */
export default class FaultEnvironment extends NodeEnvironment {
  async handleTestEvent(event: Circus.Event): Promise<void> {
    if (event.name === 'test_fn_failure' || event.name === 'hook_failure')
      (this.global as { __faultFailures?: number }).__faultFailures =
        ((this.global as { __faultFailures?: number }).__faultFailures ?? 0) + 1;
  }
}

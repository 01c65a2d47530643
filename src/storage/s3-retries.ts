// How the S3 client retries. The SDK's standard strategy keeps one retry quota per client (500
// tokens; a retry costs 5, a timed-out one 10, a success gives a little back): a burst of 503
// SlowDown spends it, and for a while after no failure is retried at all — an upload that meets one
// stalled connection then fails outright. Here every request has its own attempts, whatever the
// others did, with exponential backoff and full jitter (longer after throttling).
import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';

const MAX_DELAY_MS = 20_000;

export function perRequestRetries(maxAttempts: number, random: () => number = Math.random): RetryStrategyV2 {
  const token = (retries: number, delayMs: number): RetryToken => ({ getRetryCount: () => retries, getRetryDelay: () => delayMs });
  return {
    async acquireInitialRetryToken() {
      return token(0, 0);
    },
    async refreshRetryTokenForRetry(previous: RetryToken, error: RetryErrorInfo) {
      const retries = previous.getRetryCount() + 1;
      // A client's mistake (4xx other than throttling) is not tried again; the caller sees the error.
      if (retries >= maxAttempts || error.errorType === 'CLIENT_ERROR') throw new Error('No retry token available');
      const base = error.errorType === 'THROTTLING' ? 500 : 100;
      let delay = Math.min(MAX_DELAY_MS, random() * base * 2 ** retries);
      // A server that says when to come back is believed, within reason.
      if (error.retryAfterHint instanceof Date) delay = Math.max(delay, Math.min(error.retryAfterHint.getTime() - Date.now(), delay + 5_000));
      return token(retries, Math.max(0, delay));
    },
    recordSuccess() {},
  };
}

// Retries of a stage's verification Job: a smoke test can fail for reasons of its own (a cold
// cache, a dependency starting), so `verification.retries: N` runs a failed or timed-out Job again
// as a new Job (its own name, so the failed one stays to be read) up to N times, waiting
// `retryBackoffSeconds` (default 10) before the first retry and twice as long before each next.
// Only when the last attempt fails does the gate fail and the release stop.
import type { VerificationSpec, VerificationState } from '../model/pipeline.ts';

const DEFAULT_BACKOFF_S = 10;

export const attemptOf = (state: VerificationState): number => state.attempt ?? 1;

/** The state after attempt `state.attempt` failed with `message`: Retrying (with when), or Failed. */
export function afterFailedAttempt(
  spec: VerificationSpec,
  state: VerificationState,
  message: string,
  now: Date,
): VerificationState {
  const attempt = attemptOf(state);
  const retries = spec.retries ?? 0;
  if (attempt > retries)
    return {
      ...state,
      phase: 'Failed',
      message: retries > 0 ? `${message} (attempt ${attempt} of ${retries + 1}, no retry left)` : message,
      retryAt: undefined,
    };
  const waitS = (spec.retryBackoffSeconds ?? DEFAULT_BACKOFF_S) * 2 ** (attempt - 1);
  const retryAt = new Date(now.getTime() + waitS * 1000).toISOString();
  return {
    ...state,
    phase: 'Retrying',
    message: `attempt ${attempt} of ${retries + 1} failed: ${message}; retry at ${retryAt}`,
    retryAt,
  };
}

/** Whether a Retrying verification should start its next Job now. */
export function retryDue(state: VerificationState, now: Date): boolean {
  return state.phase === 'Retrying' && (!state.retryAt || Date.parse(state.retryAt) <= now.getTime());
}

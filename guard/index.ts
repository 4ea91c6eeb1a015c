/**
 * captcha-runway's library entry (the package root): the balance guard. See docs/guard.md.
 */
export {
  BalanceGuard,
  type BalanceGuardOptions,
  type DrainResult,
  type GuardItem,
  type GuardStats,
  isQueued,
  isSkipped,
  LOW_STRATEGIES,
  type LowStrategy,
  Queued,
  Skipped,
} from "./guard.ts";
export { type DenyReason, InsufficientBalanceError, QueueFullError, ZeroBalanceError } from "./errors.ts";
export { GUARD_OUTCOMES, type GuardOutcome } from "./metrics.ts";
export { type QueuedItem, readQueueFile } from "./queue.ts";
export type { UnreadablePolicy } from "./balance-gate.ts";
export { zeroBalanceInReturned, zeroBalanceInThrown } from "./zero-balance.ts";
export { InputError } from "../core/errors.ts";
export { PROVIDER_NAMES, type ProviderName } from "../core/providers/types.ts";

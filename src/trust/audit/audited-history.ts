/**
 * Validation history that also appends every validation (or those `only` selects) to the
 * audit log, accepted and rejected alike. Appends are ordered; `flush` waits for them and for the history.
 */
import type { ValidationHistoryEntry } from '../../../shared/trust.js'
import type { AuditLog } from './log.js'
import type { ValidationHistory } from '../pipeline/history.js'

export function auditedHistory (history: ValidationHistory, log: AuditLog, onError?: (err: unknown) => void,
  options: { only?: (entry: ValidationHistoryEntry) => boolean } = {}): ValidationHistory {
  let pending: Promise<unknown> = Promise.resolve()
  let failure: unknown
  // a failed append is reported to `onError`, or by the next `flush`: never dropped silently
  const failed = (err: unknown): void => { if (onError != null) onError(err); else failure ??= err }
  return {
    record (entry) {
      history.record(entry)
      if (options.only != null && !options.only(entry)) return
      const { operationId, check, actor, type, target, valid, layer, errorType } = entry
      pending = log.append({ operationId, check, actor, type, target, valid, layer, ...(errorType != null ? { errorType } : {}) }).catch(failed)
    },
    list: async (operationId) => await history.list(operationId),
    async flush () {
      await pending
      await history.flush()
      if (failure != null) { const err = failure; failure = undefined; throw err }
    }
  }
}

/**
 * Validation history: every validation of every operation, accepted or not, queryable by
 * operation id. `memoryValidationHistory` keeps recent entries; `storedValidationHistory`
 * writes them through a small store (any key-value store: a datastore, files, IndexedDB)
 * in the background and reads them back, so history survives restarts.
 */
import type { ValidationHistoryEntry } from '../../../shared/trust.js'

export interface ValidationHistory {
  /** Never blocks validation: stores write in the background (see `flush`). */
  record(entry: ValidationHistoryEntry): void
  list(operationId: string): Promise<ValidationHistoryEntry[]>
  /** Resolves once every recorded entry is stored. */
  flush(): Promise<void>
}

export function memoryValidationHistory (init: { maxOperations?: number, maxPerOperation?: number } = {}): ValidationHistory {
  const maxOps = init.maxOperations ?? 10_000
  const maxPer = init.maxPerOperation ?? 100
  const byOp = new Map<string, ValidationHistoryEntry[]>()
  return {
    record (entry) {
      let list = byOp.get(entry.operationId)
      if (list == null) {
        if (byOp.size >= maxOps) byOp.delete(byOp.keys().next().value as string)
        list = []
        byOp.set(entry.operationId, list)
      }
      list.push(entry)
      if (list.length > maxPer) list.shift()
    },
    list: async (operationId) => [...(byOp.get(operationId) ?? [])],
    flush: async () => {}
  }
}

/** Where stored history lives: entries appended per operation, in order. */
export interface HistoryStore {
  append(operationId: string, entries: ValidationHistoryEntry[]): Promise<void>
  read(operationId: string): Promise<ValidationHistoryEntry[]>
}

export interface StoredHistoryInit {
  store: HistoryStore
  /** Called with a write that failed (the entries stay in memory; default: rethrown by `flush`). */
  onError?(err: unknown): void
}

export function storedValidationHistory (init: StoredHistoryInit): ValidationHistory {
  let pending = new Map<string, ValidationHistoryEntry[]>()
  let writing: Promise<void> = Promise.resolve()
  let failure: unknown

  function schedule (): void {
    writing = writing.then(async () => {
      const batch = pending
      pending = new Map()
      for (const [id, entries] of batch) {
        try {
          await init.store.append(id, entries)
        } catch (err) {
          // kept for the next flush: history must not be lost because a write failed once
          const again = pending.get(id) ?? []
          pending.set(id, [...entries, ...again])
          if (init.onError != null) init.onError(err)
          else failure = err
        }
      }
    })
  }

  return {
    record (entry) {
      const first = pending.size === 0
      const list = pending.get(entry.operationId) ?? []
      list.push(entry)
      pending.set(entry.operationId, list)
      if (first) queueMicrotask(schedule)
    },
    async list (operationId) {
      await writing
      return [...await init.store.read(operationId), ...(pending.get(operationId) ?? [])]
    },
    async flush () {
      if (pending.size > 0) schedule()
      await writing
      if (failure != null) { const err = failure; failure = undefined; throw err }
    }
  }
}

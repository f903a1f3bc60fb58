/**
 * Rebuilding runs from the store (recovery, status of executions not in memory).
 */
import { NotFoundError } from '../errors.js'
import type { StateStore } from '../interface/state-store.js'
import { apply, foldEvents } from './reducer.js'
import { Run } from './run.js'
import type { RunState } from './run-state.js'

/**
 * From the latest snapshot plus the log tail when there is one (and the tail holds no
 * rollback), else by folding the whole log.
 */
export async function loadRun (store: StateStore, executionId: string, useSnapshots: boolean): Promise<Run> {
  const snapshot = useSnapshots ? await store.loadSnapshot(executionId) : undefined
  if (snapshot != null) {
    const tail = await store.readEvents(executionId, snapshot.logIndex)
    if (!tail.some(e => e.type === 'checkpoint.restored')) {
      const state = snapshot.state as RunState
      for (const event of tail) apply(state, event, [])
      const run = new Run(state, tail)
      run.historyFrom = snapshot.logIndex
      run.lastSnapshotIndex = snapshot.logIndex
      return run
    }
  }
  const events = await store.readEvents(executionId)
  if (events.length === 0) throw new NotFoundError(`no execution with id "${executionId}"`)
  return new Run(foldEvents(events), events)
}

/** Makes `run.events` the whole log (a run loaded from a snapshot holds only the tail). */
export async function completeHistory (store: StateStore, run: Run): Promise<void> {
  if (run.historyFrom === 0) return
  await run.persisted
  const events = await store.readEvents(run.id)
  if (events.length !== run.state.logLength) {
    throw new Error(`the stored log of ${run.id} has ${events.length} events, the execution ${run.state.logLength}`)
  }
  run.events.splice(0, run.events.length, ...events)
  run.historyFrom = 0
}

/**
 * Loads many runs with up to `window` loads in flight (reads and decryption overlap) and hands
 * them over in the order of `ids`.
 */
export async function loadInOrder (ids: string[], load: (id: string) => Promise<Run>, loaded: (run: Run) => void, failed: (id: string, err: Error) => void, window = 64): Promise<void> {
  const inFlight = new Map<string, Promise<Run>>()
  const begin = (id: string): void => {
    const p = load(id)
    p.catch(() => {}) // observed below, in order
    inFlight.set(id, p)
  }
  for (let i = 0; i < ids.length; i++) {
    for (let j = i; j < Math.min(ids.length, i + window); j++) if (!inFlight.has(ids[j])) begin(ids[j])
    const p = inFlight.get(ids[i])!
    inFlight.delete(ids[i])
    try {
      loaded(await p)
    } catch (err) {
      failed(ids[i], err as Error)
    }
  }
}

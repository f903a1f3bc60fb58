/**
 * What the pool needs from a worker, whatever the platform: Node's worker_threads `Worker`
 * and the browser's `Worker` are wrapped into this by their hosts (a dozen lines each).
 */
import type { HostMessage, WorkerMessage } from '../protocol.js'

export interface WorkerPort {
  post(message: HostMessage): void
  /** Ends the worker now, even inside a WebAssembly call that never returns. */
  terminate(): void
  /** Told whether work waits on this worker (Node keeps the process alive only then). */
  setBusy?(busy: boolean): void
  /** Set by the pool: every message the worker posts. */
  onMessage?: (message: WorkerMessage) => void
  /** Set by the pool: the worker died on its own (crash, resource limit, failed load). */
  onExit?: (error: Error) => void
}

export type SpawnWorker = () => WorkerPort

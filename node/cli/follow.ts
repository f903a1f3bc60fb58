/**
 * Following an execution on a relay: its log events as they happen, until it ends. Woken by
 * the relay's WebSocket stream (`/ws/executions/:id`); when the socket cannot be opened or
 * drops, polling `GET /api/v1/executions/:id` (every `pollMs`) takes over. Either way each
 * wake-up reads the log and prints only events not yet shown, so nothing repeats or is missed.
 */
import WebSocket from 'ws'
import type { ExecutionEvent, ExecutionState } from '../../shared/execution.js'
import type { ApiClient } from './api-client.js'

const TERMINAL = new Set(['completed', 'failed', 'aborted'])

export function formatEvent (event: ExecutionEvent): string {
  const at = new Date(event.at).toISOString()
  switch (event.type) {
    case 'execution.started': return `${at}  ▶ execution of ${event.flow.id} (${event.context.triggerType})`
    case 'execution.aborted': return `${at}  ■ aborted${event.reason != null ? `: ${event.reason}` : ''}`
    case 'step.started': return `${at}  … ${event.stepId} started (attempt ${event.attempt})`
    case 'step.completed': return `${at}  ✔ ${event.stepId}${event.logs != null && event.logs.length > 0 ? `\n${event.logs.map(l => `      │ ${l}`).join('\n')}` : ''}`
    case 'step.failed': return `${at}  ✖ ${event.stepId}: ${event.error.type}: ${event.error.message}`
    case 'timer.started': return `${at}  ⏲ ${event.stepId} waits until ${new Date(event.fireAt).toISOString()} (${event.purpose})`
    case 'event.waiting': return `${at}  … ${event.stepId} waits for the event "${event.event}"`
    case 'event.received': return `${at}  ✉ ${event.stepId} received "${event.event}"`
    case 'child.started': return `${at}  ⤷ ${event.stepId} started child execution ${event.childExecutionId}`
    default: return `${at}  ${event.type}`
  }
}

export interface FollowOptions {
  /** Called with each new log event, in order. */
  onEvent(event: ExecutionEvent, index: number): void
  /** Polling interval when the WebSocket is not available (default 500 ms). */
  pollMs?: number
  /** Events already shown (default 0). */
  from?: number
}

/** Resolves with the final state once the execution completed, failed or was aborted. */
export async function followExecution (client: ApiClient, executionId: string, options: FollowOptions): Promise<ExecutionState> {
  const path = `/api/v1/executions/${encodeURIComponent(executionId)}`
  let shown = options.from ?? 0
  let socket: WebSocket | undefined
  let poll: ReturnType<typeof setInterval> | undefined
  let busy = false
  let again = false
  return await new Promise<ExecutionState>((resolve, reject) => {
    const finish = (err: Error | undefined, state?: ExecutionState): void => {
      if (poll != null) clearInterval(poll)
      poll = undefined
      socket?.removeAllListeners()
      socket?.on('error', () => {})
      socket?.terminate()
      if (err != null) reject(err)
      else resolve(state as ExecutionState)
    }
    const check = async (): Promise<void> => {
      if (busy) { again = true; return }
      busy = true
      try {
        do {
          again = false
          const { events } = await client.request<{ events: ExecutionEvent[] }>('GET', `${path}/logs`)
          for (; shown < events.length; shown++) options.onEvent(events[shown], shown)
          const state = await client.request<ExecutionState>('GET', path)
          if (TERMINAL.has(state.status)) {
            // the log may have grown between the two reads
            const tail = await client.request<{ events: ExecutionEvent[] }>('GET', `${path}/logs`)
            for (; shown < tail.events.length; shown++) options.onEvent(tail.events[shown], shown)
            finish(undefined, state)
            return
          }
        } while (again)
      } catch (err) {
        finish(err as Error)
      } finally {
        busy = false
      }
    }
    const startPolling = (): void => {
      if (poll != null) return
      poll = setInterval(() => { void check() }, options.pollMs ?? 500)
    }
    const wsUrl = new URL(`/ws/executions/${encodeURIComponent(executionId)}`, client.base.replace(/^http/, 'ws'))
    if (client.token != null) wsUrl.searchParams.set('access_token', client.token)
    socket = new WebSocket(wsUrl.toString())
    socket.on('open', () => { void check() })
    socket.on('message', () => { void check() })
    socket.on('error', () => { startPolling(); void check() })
    socket.on('close', () => { startPolling(); void check() })
    void check()
  })
}

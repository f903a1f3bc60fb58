/**
 * Human-readable rendering of an ExecutionState for the terminal.
 */
import type { ExecutionState } from '../../shared/execution.js'

const MARK: Record<string, string> = { completed: '✔', failed: '✖', aborted: '■', running: '…', waiting: '…', paused: '‖', pending: '·', retrying: '↻', skipped: '-' }

function brief (value: unknown, max = 80): string {
  if (value === undefined) return ''
  const text = JSON.stringify(value) ?? ''
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

export function formatState (state: ExecutionState): string[] {
  const ms = state.endTime != null ? Date.parse(state.endTime) - Date.parse(state.startTime) : undefined
  const lines = [`${MARK[state.status] ?? '?'} ${state.flowId}: ${state.status}${ms != null ? ` in ${ms} ms` : ''}  (execution ${state.executionId})`]
  const width = Math.max(4, ...Object.keys(state.steps).map(id => id.length))
  for (const [id, s] of Object.entries(state.steps)) {
    const attempts = `${s.attempts} attempt${s.attempts === 1 ? '' : 's'}`
    const detail = s.error != null ? `${s.error.type}: ${s.error.message}` : brief(s.output)
    lines.push(`  ${MARK[s.status] ?? '?'} ${id.padEnd(width)}  ${s.status.padEnd(9)} ${attempts.padEnd(10)} ${detail}`)
    for (const line of s.logs ?? []) lines.push(`      │ ${line}`)
  }
  if (state.error != null) lines.push(`error: ${state.error.type}: ${state.error.message}${state.error.stepId != null ? ` (step ${state.error.stepId})` : ''}`)
  if (state.status === 'completed') lines.push(`output: ${brief(state.output, 2000)}`)
  return lines
}

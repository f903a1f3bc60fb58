/**
 * Live progress on stderr while a command runs an execution (human mode): one line per
 * thing that happens, so a long run shows where it is.
 */
import type { ExecutionEngine } from '../../src/index.js'
import type { Output } from './io.js'

export function followProgress (engine: ExecutionEngine, io: Output): void {
  engine.events.addEventListener('log:appended', (e) => {
    const { event, executionId } = e.detail
    switch (event.type) {
      case 'execution.started': io.err(`▶ execution ${executionId} of ${event.flow.id}`); break
      case 'step.completed': io.err(`  ✔ ${event.stepId}`); break
      case 'step.failed': io.err(`  ✖ ${event.stepId}: ${event.error.type}: ${event.error.message}`); break
      case 'timer.started': io.err(`  ⏲ ${event.stepId} waits until ${new Date(event.fireAt).toISOString()} (${event.purpose})`); break
      case 'event.waiting': io.err(`  … ${event.stepId} waits for the event "${event.event}"`); break
      case 'checkpoint.restored': io.err(`  ↺ restored checkpoint ${event.checkpointId}`); break
    }
  })
}

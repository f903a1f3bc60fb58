/**
 * What the reducer asks the executor to do. Commands are derived from the log, never
 * stored: replaying a log yields the same commands.
 */
export type Command =
  /** Run the step's work (action, condition, delay, event wait, child flow) for this attempt. */
  | { kind: 'run-step', stepId: string, attempt: number }
  /** Arm the timer `state.timers[timerId]`. */
  | { kind: 'start-timer', timerId: string }
  | { kind: 'cancel-timer', timerId: string }
  /** Abort whatever the step is doing (its action's AbortSignal, its event wait, its child). */
  | { kind: 'cancel-step', stepId: string }
  /** Listen for the event the step waits for (`state.steps[stepId].waitingFor`). */
  | { kind: 'await-event', stepId: string }
  /** Watch the child execution the step started. */
  | { kind: 'await-child', stepId: string }
  /** The execution reached a terminal status. */
  | { kind: 'finished' }

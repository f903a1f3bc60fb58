/**
 * The execution engine (the seed's ExecutionEngine + StateManager). Each execution is a
 * fold over its append-only log: events are applied by the reducer, persisted through the
 * StateStore (write-ahead: commands run only once their events are stored), and the
 * commands they imply are carried out here.
 */
import type { ExecutionContext, ExecutionEvent, ExecutionState } from '../../shared/execution.js'
import type { FlowDefinition } from '../../shared/flow.js'
import { AbortError, InvalidFlowError, InvalidStateError, NotFoundError } from '../errors.js'
import { validateFlow } from '../flow/validate.js'
import type { ExpressionOptions } from '../expr/index.js'
import type { ActionRegistry } from '../interface/action.js'
import type { Clock } from '../interface/clock.js'
import type { StepDispatcher } from '../interface/dispatcher.js'
import type { IdSource } from '../interface/ids.js'
import type { ExecutionSnapshot, FlowVersion, StateStore } from '../interface/state-store.js'
import { CircuitBreakers } from './circuit-breaker.js'
import type { CircuitBreakerInit } from './circuit-breaker.js'
import type { Command } from './commands.js'
import { Deadlines } from './deadlines.js'
import { ChildFlows } from './child-flows.js'
import { EventWaits } from './event-waits.js'
import { emitFor } from './emit.js'
import { TypedEventEmitter, type EngineEvents } from './events.js'
import { isTerminal, type StepNote } from './navigation.js'
import { apply, createState, foldEvents, recoveryCommands } from './reducer.js'
import { executionContext } from './execution-context.js'
import { Run } from './run.js'
import { armTimer } from './timers.js'
import { dropHandles, releaseRun } from './release.js'
import { completeHistory, loadInOrder, loadRun } from './load-run.js'
import type { EngineComponents, EngineInit, StartOptions } from './engine-init.js'
import { toExecutionState } from './run-state.js'
import { runStep } from './step-runner.js'
import type { StepRunnerHost } from './step-runner.js'

export type { EngineComponents, EngineInit, StartOptions } from './engine-init.js'

export class ExecutionEngine implements StepRunnerHost {
  readonly events = new TypedEventEmitter<EngineEvents>()
  readonly clock: Clock
  readonly dispatcher: StepDispatcher
  readonly actions: ActionRegistry
  readonly breakers: CircuitBreakers
  readonly deadlines: Deadlines
  readonly defaultStepTimeout: number
  readonly expressions: ExpressionOptions
  private readonly store: StateStore
  private readonly ids: IdSource
  private readonly maxConcurrent: number
  private readonly finishedCacheSize: number
  private readonly checkpointInterval?: number
  private readonly snapshotEvery: number
  private readonly runs = new Map<string, Run>()
  private readonly finished = new Map<string, ExecutionState>()
  private readonly flows = new Map<string, FlowDefinition>()
  private readonly queue: Run[] = []
  private readonly counted = new Set<string>()
  private readonly waits: EventWaits
  private readonly childFlows: ChildFlows

  constructor (init: EngineInit, components: EngineComponents) {
    this.store = components.store
    this.dispatcher = components.dispatcher
    this.actions = components.actions
    this.clock = components.clock
    this.ids = components.ids
    this.maxConcurrent = init.maxConcurrentFlows ?? 100
    this.defaultStepTimeout = init.defaultStepTimeout ?? 300_000
    this.expressions = { now: () => this.clock.now(), ...init.expressions }
    this.finishedCacheSize = init.finishedCacheSize ?? 1000
    this.checkpointInterval = init.checkpointInterval
    this.snapshotEvery = init.snapshotEvery ?? 32
    this.breakers = new CircuitBreakers(() => this.clock.now(), init.circuitBreaker, {
      opened: (target, failures) => { this.events.safeDispatchEvent('circuit:opened', { target, failures }) },
      closed: (target) => { this.events.safeDispatchEvent('circuit:closed', { target }) }
    })
    this.waits = new EventWaits(this)
    this.deadlines = new Deadlines(this.clock)
    this.childFlows = new ChildFlows(this, (id) => this.runs.get(id))
  }

  /** Resumes every non-terminal execution found in the store (crash recovery). */
  async start (): Promise<void> {
    const summaries = (await this.store.listExecutions({ active: true })).filter(s => !this.runs.has(s.executionId))
    await loadInOrder(summaries.map(s => s.executionId), async (id) => await this.load(id), (run) => {
      if (!this.runs.has(run.id)) this.activate(run)
    }, (id, err) => {
      // one unreadable execution (a missing key, a damaged block) must not keep the others down
      this.events.safeDispatchEvent('recovery:failed', { executionId: id, flowId: summaries.find(s => s.executionId === id)?.flowId ?? '', message: err.message })
    })
    this.drainQueue()
  }

  /** Stops timers and in-flight work without recording anything: a later start() resumes it. */
  async stop (): Promise<void> {
    for (const run of this.runs.values()) dropHandles(run, this.clock, 'engine stopped')
    await Promise.all([...this.runs.values()].map(r => r.persisted))
    this.runs.clear()
    this.queue.length = 0
    this.counted.clear()
    this.waits.clear()
    this.deadlines.clear()
  }

  /** Validates and stores a flow (a new version when the id exists). */
  async registerFlow (flow: FlowDefinition): Promise<FlowVersion> {
    const result = validateFlow(flow, { actions: this.actions })
    if (!result.valid) throw new InvalidFlowError(result.errors)
    const version = await this.store.putFlow(flow)
    this.flows.delete(flow.id)
    return version
  }

  /** Deletes a flow (every version); new executions of it can no longer start. */
  async deleteFlow (flowId: string): Promise<boolean> {
    this.flows.delete(flowId)
    return await this.store.deleteFlow(flowId)
  }

  async getFlow (flowId: string): Promise<FlowDefinition> {
    let flow = this.flows.get(flowId)
    if (flow == null) {
      flow = await this.store.getFlow(flowId)
      if (flow == null) throw new NotFoundError(`no flow with id "${flowId}"`)
      this.flows.set(flowId, flow)
    }
    return flow
  }

  async startExecution (flowId: string, context: Partial<ExecutionContext> = {}, options: StartOptions = {}): Promise<string> {
    const flow = this.flows.get(flowId) ?? await this.getFlow(flowId)
    const executionId = this.ids.next('exec')
    const full = executionContext(flow, context)
    const queued = options.bypassQueue !== true && this.counted.size >= this.maxConcurrent
    const event: Extract<ExecutionEvent, { type: 'execution.started' }> = {
      type: 'execution.started', at: this.clock.now(), executionId, flow, context: full,
      ...(queued ? { queued } : {}),
      ...(options.parentExecutionId != null ? { parentExecutionId: options.parentExecutionId, parentStepId: options.parentStepId } : {})
    }
    const { state, commands } = createState(event)
    const run = new Run(state, [event])
    this.runs.set(executionId, run)
    if (queued) this.queue.push(run)
    else this.counted.add(executionId)
    emitFor(this.events, run, event, 'pending', [])
    await this.persist(run, [event], commands)
    return executionId
  }

  async pauseExecution (executionId: string): Promise<void> {
    const run = this.live(executionId)
    if (!run.state.paused) this.record(run, [{ type: 'execution.paused', at: this.clock.now() }])
    await run.persisted
  }

  async resumeExecution (executionId: string): Promise<void> {
    let run = this.runs.get(executionId)
    if (run == null) {
      run = await this.load(executionId)
      if (isTerminal(run.state)) throw new InvalidStateError(`execution ${executionId} is ${run.state.status}: nothing to resume`)
      this.activate(run)
    }
    if (isTerminal(run.state)) throw new InvalidStateError(`execution ${executionId} is ${run.state.status}: nothing to resume`)
    if (run.state.paused) this.record(run, [{ type: 'execution.resumed', at: this.clock.now() }])
    await run.persisted
  }

  async abortExecution (executionId: string, reason?: string): Promise<void> {
    const run = this.live(executionId)
    this.record(run, [{ type: 'execution.aborted', at: this.clock.now(), ...(reason != null ? { reason } : {}) }])
    await run.persisted
  }

  async getExecutionStatus (executionId: string): Promise<ExecutionState> {
    const run = this.runs.get(executionId)
    if (run != null) return toExecutionState(run.state)
    const done = this.finished.get(executionId)
    if (done != null) return done
    return toExecutionState((await this.load(executionId)).state)
  }

  /** Resolves with the state at the execution's next terminal status (at once if it has one). */
  async waitForExecution (executionId: string, options: { signal?: AbortSignal } = {}): Promise<ExecutionState> {
    const run = this.runs.get(executionId)
    if (run == null || isTerminal(run.state)) return await this.getExecutionStatus(executionId)
    return await run.settled(options.signal)
  }

  /** Lets go of a live execution without recording anything (another node carries it on); false when not live here. */
  async release (executionId: string): Promise<boolean> {
    return await releaseRun({ runs: this.runs, queue: this.queue, counted: this.counted, waits: this.waits, clock: this.clock }, executionId)
  }

  /** Resolves once everything recorded so far for the execution is in the store. */
  async persisted (executionId: string): Promise<void> {
    await this.runs.get(executionId)?.persisted
  }

  /** The execution's log (from the store, the source of truth). */
  async getLog (executionId: string): Promise<ExecutionEvent[]> {
    const run = this.runs.get(executionId)
    if (run != null) await run.persisted
    return await this.store.readEvents(executionId)
  }

  /** Delivers an event to executions waiting for it; resolves with how many took it. */
  async deliverEvent (event: string, payload: unknown, options: { executionId?: string } = {}): Promise<number> {
    return await this.waits.deliver(event, payload, options.executionId)
  }

  async createCheckpoint (executionId: string): Promise<string> {
    const run = this.runs.get(executionId) ?? await this.load(executionId)
    if (isTerminal(run.state)) throw new InvalidStateError(`execution ${executionId} is ${run.state.status}: checkpoints are taken of live executions`)
    const checkpointId = this.ids.next('cp')
    const snapshot = this.snapshotOf(run, checkpointId)
    const cmds: Command[] = []
    const event: ExecutionEvent = { type: 'checkpoint.created', at: this.clock.now(), checkpointId }
    this.applyEvent(run, event, cmds)
    await this.persist(run, [event], cmds, snapshot)
    return checkpointId
  }

  /** Rolls an execution (live or finished) back to a checkpoint and runs on from there. */
  async restoreCheckpoint (executionId: string, checkpointId: string): Promise<void> {
    let run = this.runs.get(executionId)
    if (run == null) {
      run = await this.load(executionId)
      this.runs.set(executionId, run)
      this.counted.add(executionId)
    }
    if (!run.state.checkpoints.some(c => c.checkpointId === checkpointId)) {
      throw new NotFoundError(`execution ${executionId} has no checkpoint "${checkpointId}"`)
    }
    this.finished.delete(executionId)
    await completeHistory(this.store, run)
    this.record(run, [{ type: 'checkpoint.restored', at: this.clock.now(), checkpointId }])
    await run.persisted
  }

  /** Applies events to a live run, persists them, then carries out the commands. */
  record (run: Run, events: ExecutionEvent[]): void {
    const cmds: Command[] = []
    let boundary = false
    for (const event of events) this.applyEvent(run, event, cmds)
    for (const event of events) if (event.type === 'step.completed' || event.type === 'step.failed') boundary = true
    let snapshot: ExecutionSnapshot | undefined
    if (boundary && this.checkpointInterval != null && !isTerminal(run.state) && this.clock.now() - run.lastCheckpointAt >= this.checkpointInterval) {
      const checkpointId = this.ids.next('cp')
      run.lastCheckpointAt = this.clock.now()
      // the checkpoint pins the log head; a new snapshot block is written only once the log has
      // grown `snapshotEvery` events past the last one (recovery folds that short tail)
      if (run.state.logLength - run.lastSnapshotIndex >= this.snapshotEvery) snapshot = this.snapshotOf(run, checkpointId)
      const event: ExecutionEvent = { type: 'checkpoint.created', at: this.clock.now(), checkpointId }
      this.applyEvent(run, event, cmds)
      events = [...events, event]
    }
    void this.persist(run, events, cmds, snapshot)
  }

  private applyEvent (run: Run, event: ExecutionEvent, cmds: Command[]): void {
    const before = run.state.status
    // step notes only feed engine events: skip collecting them when nobody listens
    const notes: StepNote[] | undefined = this.events.hasListeners() ? [] : undefined
    for (const c of apply(run.state, event, run.events, notes)) cmds.push(c)
    run.events.push(event)
    if (notes != null) emitFor(this.events, run, event, before, notes)
  }

  /** A copy of the run's folded state, to be stored as the snapshot of a checkpoint about to be recorded. */
  private snapshotOf (run: Run, checkpointId: string): ExecutionSnapshot {
    run.lastCheckpointAt = this.clock.now()
    run.lastSnapshotIndex = run.state.logLength
    return { checkpointId, logIndex: run.state.logLength, state: structuredClone(run.state) }
  }

  /**
   * Appends the events (in order after this run's earlier appends) and, once they are
   * stored, carries out the commands. Resolves when both are done.
   */
  private persist (run: Run, events: ExecutionEvent[], cmds: Command[], snapshot?: ExecutionSnapshot): Promise<void> {
    const summary = { flowId: run.state.flowId, status: run.state.status }
    // the snapshot is submitted in the same tick as the append, so a group-committing store
    // writes both in one batch; it is a cache of the log, so the commands wait for the append only
    let snapped: Promise<void> | undefined
    const append = (): Promise<void> => {
      const appended = this.store.appendEvents(run.id, events, summary)
      if (snapshot != null) snapped = this.store.saveSnapshot(run.id, snapshot).catch(() => {})
      return appended
    }
    const write = run.writing === 0 ? append() : run.persisted.then(append)
    run.writing++
    const done = write.then(() => {
      run.writing--
      for (const cmd of cmds) this.execute(run, cmd)
      return snapped
    }, (err: unknown) => {
      run.writing--
      this.storeFailed(run, err)
    })
    run.persisted = done
    return done
  }

  /** The log could not be made durable: this run stops here; a restart resumes it from what was stored. */
  private storeFailed (run: Run, err: unknown): void {
    this.events.safeDispatchEvent('execution:failed', {
      executionId: run.id, flowId: run.state.flowId, status: run.state.status,
      error: { type: 'node_failure', message: `state store write failed: ${(err as Error).message}`, retryable: true, details: {}, timestamp: new Date(this.clock.now()).toISOString() }
    })
  }

  private execute (run: Run, cmd: Command): void {
    switch (cmd.kind) {
      case 'run-step': void runStep(this, run, cmd.stepId, cmd.attempt); break
      case 'start-timer': this.armTimer(run, cmd.timerId); break
      case 'cancel-timer': {
        const handle = run.timers.get(cmd.timerId)
        if (handle !== undefined) this.clock.clearTimeout(handle)
        run.timers.delete(cmd.timerId)
        break
      }
      case 'cancel-step': {
        run.controllers.get(cmd.stepId)?.abort(new AbortError('step cancelled'))
        this.waits.remove(run, cmd.stepId)
        this.childFlows.cancel(run, cmd.stepId)
        break
      }
      case 'await-event': this.waits.add(run, cmd.stepId); break
      case 'await-child': void this.childFlows.watch(run, cmd.stepId); break
      case 'finished': this.onFinished(run); break
    }
  }

  private armTimer (run: Run, timerId: string): void {
    armTimer(this.clock, run, timerId, () => {
      if (this.runs.get(run.id) === run) this.record(run, [{ type: 'timer.fired', at: this.clock.now(), timerId }])
    })
  }

  async startChild (run: Run, stepId: string, flowId: string, input: unknown): Promise<string> {
    return await this.childFlows.start(run, stepId, flowId, input)
  }

  private onFinished (run: Run): void {
    if (this.runs.get(run.id) !== run) return
    for (const handle of run.timers.values()) this.clock.clearTimeout(handle)
    run.timers.clear()
    this.waits.removeRun(run)
    this.runs.delete(run.id)
    this.counted.delete(run.id)
    const view = toExecutionState(run.state)
    this.finished.set(run.id, view)
    if (this.finished.size > this.finishedCacheSize) this.finished.delete(this.finished.keys().next().value!)
    run.notifySettled(view)
    const parentId = run.state.parentExecutionId
    const parent = parentId != null ? this.runs.get(parentId) : undefined
    if (parent != null && run.state.parentStepId != null) this.childFlows.settled(parent, run.state.parentStepId, view)
    this.drainQueue()
  }

  private drainQueue (): void {
    while (this.counted.size < this.maxConcurrent && this.queue.length > 0) {
      const run = this.queue.shift()!
      if (this.runs.get(run.id) !== run || !run.state.queued || isTerminal(run.state)) continue
      this.counted.add(run.id)
      this.record(run, [{ type: 'execution.dequeued', at: this.clock.now() }])
    }
  }

  /** Makes a loaded run live: queued runs wait their turn, others pick up their work. */
  private activate (run: Run): void {
    this.runs.set(run.id, run)
    if (run.state.queued) {
      this.queue.push(run)
      return
    }
    this.counted.add(run.id)
    for (const cmd of recoveryCommands(run.state)) this.execute(run, cmd)
  }

  private async load (executionId: string): Promise<Run> {
    return await loadRun(this.store, executionId, this.checkpointInterval != null)
  }

  private live (executionId: string): Run {
    const run = this.runs.get(executionId)
    if (run != null && !isTerminal(run.state)) return run
    if (run != null || this.finished.has(executionId)) {
      throw new InvalidStateError(`execution ${executionId} is ${run?.state.status ?? this.finished.get(executionId)!.status}`)
    }
    throw new NotFoundError(`no live execution with id "${executionId}" on this node`)
  }
}

export function createExecutionEngine (init: EngineInit, components: EngineComponents): ExecutionEngine {
  return new ExecutionEngine(init, components)
}

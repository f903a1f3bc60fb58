/**
 * `RemoteDispatcher`: the engine's `StepDispatcher` over the network. Per attempt: select the
 * best node of the step's subnet, send it the signed step, verify its signed result, report the
 * executor as `nodeId`. When the executor dies, disconnects, falls silent, misses the deadline,
 * refuses or forges, the step goes to the next-best node (the failed ones excluded), at most
 * `maxAttempts` nodes per replica; every assignment and failure is a line of the step's logs.
 * `step.redundancy: k` runs k replicas on k distinct nodes and the majority by content hash wins
 * (see `vote.ts`). When the best node is this node the local dispatcher runs the step.
 * The request's admission (`request.admission`, set by `trustedDispatcher`) travels in the
 * signed payload, so the executor can re-validate the step with its own pipeline.
 */
import type { DispatchPayload, NodeSelectionCriteria, QNETNode } from '../../shared/network.js'
import type { StepDispatcher, StepRequest, StepResult } from '../interface/dispatcher.js'
import { StepError } from '../errors.js'
import { NoNodeAvailableError } from './errors.js'
import type { NodeSelector } from './selection.js'
import { sendStep } from './send-step.js'
import type { SendStepComponents } from './send-step.js'
import { dispatchSessions } from './session.js'
import type { DispatchSessions } from './session.js'
import type { QflowLibp2p } from './libp2p-node.js'
import { tally } from './vote.js'
import type { ReplicaOutcome } from './vote.js'
import { wireSafe } from './wire.js'

export interface RemoteDispatcherInit {
  /** The subnet of steps whose request names none. */
  daoSubnet: string
  /** Nodes tried per replica before the attempt fails (default 3). */
  maxAttempts?: number
  /** Longest silence of an executor (default 2000 ms; executors beat every 250 ms). */
  silenceMs?: number
  /** Executor deadline when the step has no `timeout` (default 30,000 ms). */
  defaultDeadlineMs?: number
  /** Reputation changes: a disagreeing replica, a forged result, a lost executor; agreeing gains. */
  reputation?: { disagree?: number, forged?: number, lost?: number, agree?: number }
  /** Defaults merged into every selection. */
  criteria?: Partial<NodeSelectionCriteria>
}

export interface RemoteDispatcherComponents extends Omit<SendStepComponents, 'sessions'> {
  libp2p: QflowLibp2p
  selector: NodeSelector
  /** Runs steps assigned to this node (omit on a coordinator that never executes). */
  local?: StepDispatcher
}

export interface RemoteDispatcherEvents {
  'dispatch:accepted': CustomEvent<{ stepId: string, replica: number, nodeId: string, idempotencyKey: string }>
  'dispatch:failed-over': CustomEvent<{ stepId: string, replica: number, nodeId: string, reason: string }>
  'dispatch:outvoted': CustomEvent<{ stepId: string, nodeIds: string[] }>
}

export interface RemoteDispatcher extends StepDispatcher, EventTarget {
  /** Ends every dispatch session (pending steps fail over or fail). */
  close(): void
}

export function remoteDispatcher (init: RemoteDispatcherInit, components: RemoteDispatcherComponents): RemoteDispatcher {
  return new NetworkDispatcher(init, components)
}

const NON_FAILOVER = new Set(['AbortError'])

class NetworkDispatcher extends EventTarget implements RemoteDispatcher {
  private readonly rep: Required<NonNullable<RemoteDispatcherInit['reputation']>>

  private readonly sessions: DispatchSessions

  constructor (private readonly init: RemoteDispatcherInit, private readonly c: RemoteDispatcherComponents) {
    super()
    this.sessions = dispatchSessions({ libp2p: c.libp2p })
    this.rep = { disagree: 0.25, forged: 0.5, lost: 0.1, agree: 0.02, ...init.reputation }
  }

  close (): void { this.sessions.close() }

  async dispatch (request: StepRequest, options: { signal: AbortSignal }): Promise<StepResult> {
    const k = request.step.redundancy ?? 1
    const used = new Set<string>()
    if (k <= 1) {
      const r = await this.replica(request, 1, used, options.signal)
      return this.finish(r)
    }
    const outcomes = await Promise.all(Array.from({ length: k }, async (_, i) => await this.replica(request, i + 1, used, options.signal).catch(err => {
      if (options.signal.aborted) throw err
      return { nodeId: '', ok: false, error: err, logs: [`replica ${i + 1}: ${String(err?.message ?? err)}`], hash: '' } satisfies ReplicaOutcome
    })))
    const vote = tally(outcomes, k)
    for (const o of outcomes) {
      if (o.nodeId === '' || o.nodeId === this.c.identity.peerId) continue
      const node = this.c.selector.get(o.nodeId)
      if (node == null) continue
      const delta = vote.losers.includes(o.nodeId) ? -this.rep.disagree : vote.winners.includes(o.nodeId) ? this.rep.agree : 0
      if (delta !== 0) await this.c.selector.updateNodeMetrics(o.nodeId, { reputation: node.reputation + delta })
    }
    if (vote.losers.length > 0) this.emit('dispatch:outvoted', { stepId: request.stepId, nodeIds: vote.losers })
    return this.finish(vote.winner, vote.lines)
  }

  private finish (r: ReplicaOutcome, extra: string[] = []): StepResult {
    if (!r.ok) {
      const err = r.error
      if (err != null && typeof err === 'object') (err as { logs?: string[] }).logs = [...extra, ...r.logs]
      throw err
    }
    return { output: r.output, logs: [...extra, ...r.logs], nodeId: r.nodeId }
  }

  /** One replica: select, send, fail over. Resolves with the executor's outcome (its own step error included). */
  private async replica (request: StepRequest, replica: number, used: Set<string>, signal: AbortSignal): Promise<ReplicaOutcome> {
    const subnet = request.daoSubnet ?? this.init.daoSubnet
    const failed: string[] = []
    const history: string[] = []
    const max = this.init.maxAttempts ?? 3
    for (let attempt = 1; attempt <= max; attempt++) {
      signal.throwIfAborted()
      const node = this.pick(request, subnet, [...used, ...failed], history)
      used.add(node.nodeId)
      try {
        const outcome = await this.runOn(node, request, replica, subnet, signal)
        outcome.logs = [...history, ...outcome.logs]
        return outcome
      } catch (err: any) {
        if (signal.aborted || NON_FAILOVER.has(err?.name)) throw err
        used.delete(node.nodeId)
        failed.push(node.nodeId)
        const penalty = err?.name === 'ForgedResultError' ? this.rep.forged : err?.name === 'ExecutorLostError' ? this.rep.lost : 0
        if (penalty > 0) await this.c.selector.updateNodeMetrics(node.nodeId, { reputation: node.reputation - penalty })
        history.push(`dispatch ${request.stepId} replica ${replica} try ${attempt}: node ${node.nodeId} failed (${String(err?.name)}: ${String(err?.message ?? err)})${attempt < max ? '; reassigning' : ''}`)
        this.emit('dispatch:failed-over', { stepId: request.stepId, replica, nodeId: node.nodeId, reason: String(err?.message ?? err) })
        if (attempt === max) {
          if (err != null && typeof err === 'object') err.logs = history
          throw err
        }
      }
    }
    throw new NoNodeAvailableError('unreachable')
  }

  private pick (request: StepRequest, subnet: string, exclude: string[], history: string[]): QNETNode {
    const base = this.init.criteria
    const req = request.step.requirements
    const criteria: NodeSelectionCriteria = {
      daoSubnet: subnet,
      requiredCapabilities: [...(base?.requiredCapabilities ?? [])],
      minPerformanceScore: base?.minPerformanceScore ?? 0,
      maxLatency: base?.maxLatency ?? 0,
      resourceRequirements: { ...base?.resourceRequirements, ...(req != null ? wireSafe(req) as object : {}) },
      ...(base?.geographicPreference != null ? { geographicPreference: base.geographicPreference } : {}),
      excludeNodes: [...(base?.excludeNodes ?? []), ...exclude, ...(this.c.local == null ? [this.c.identity.peerId] : [])]
    }
    const [node] = this.c.selector.select(criteria, 1)
    if (node == null) {
      const err = new NoNodeAvailableError(`no node of subnet "${subnet}" can run step ${request.stepId}` +
        (exclude.length > 0 ? ` (${exclude.length} excluded: already used or failed)` : ''), { daoSubnet: subnet })
      ;(err as { logs?: string[] }).logs = history
      throw err
    }
    return node
  }

  private async runOn (node: QNETNode, request: StepRequest, replica: number, subnet: string, signal: AbortSignal): Promise<ReplicaOutcome> {
    if (node.nodeId === this.c.identity.peerId && this.c.local != null) {
      this.emit('dispatch:accepted', { stepId: request.stepId, replica, nodeId: node.nodeId, idempotencyKey: request.idempotencyKey })
      try {
        const r = await this.c.local.dispatch({ ...request, daoSubnet: subnet }, { signal })
        return { nodeId: node.nodeId, ok: true, output: r.output, logs: [`dispatch ${request.stepId} replica ${replica}: ran on this node ${node.nodeId}`, ...r.logs], hash: '' }
      } catch (err: any) {
        if (signal.aborted) throw err
        return { nodeId: node.nodeId, ok: false, error: err, logs: Array.isArray(err?.logs) ? err.logs : [], hash: '' }
      }
    }
    const payload: DispatchPayload = wireSafe({
      executionId: request.executionId,
      flowId: request.flowId,
      stepId: request.stepId,
      attempt: request.attempt,
      idempotencyKey: request.idempotencyKey,
      replica,
      daoSubnet: subnet,
      step: request.step,
      params: request.params,
      deadlineMs: request.step.timeout ?? this.init.defaultDeadlineMs ?? 30_000,
      // the executor validates the step again against the execution's admission (signed with the request)
      ...(request.admission != null ? { admission: request.admission } : {})
    }) as DispatchPayload
    const accepted = (): void => { this.emit('dispatch:accepted', { stepId: request.stepId, replica, nodeId: node.nodeId, idempotencyKey: request.idempotencyKey }) }
    const sent = await sendStep({ ...this.c, sessions: this.sessions }, node, payload, { signal, silenceMs: this.init.silenceMs ?? 2000, onAccepted: accepted })
    await this.c.selector.updateNodeMetrics(node.nodeId, { latency: Math.max(0.01, node.latency > 0 ? node.latency * 0.7 + sent.acceptMs * 0.3 : sent.acceptMs) })
    const line = `dispatch ${request.stepId} replica ${replica}: ran on node ${node.nodeId} (${node.identity}); request signature ${sent.request.signature}; result signature ${sent.resultEnvelope.signature}`
    const r = sent.result
    if (r.ok) return { nodeId: node.nodeId, ok: true, output: r.output, logs: [line, ...r.logs], hash: '' }
    const e = r.error ?? { name: 'Error', message: 'the executor reported a failure without an error' }
    const err = new StepError((e.type ?? 'execution_error') as any, e.message, { ...(e.retryable != null ? { retryable: e.retryable } : {}), details: { nodeId: node.nodeId, ...(e.code != null ? { code: e.code } : {}) } })
    err.name = e.name
    return { nodeId: node.nodeId, ok: false, error: err, logs: [line, ...r.logs], hash: '' }
  }

  private emit (type: keyof RemoteDispatcherEvents, detail: unknown): void {
    try { this.dispatchEvent(new CustomEvent(type, { detail })) } catch { /* listeners' errors are theirs */ }
  }
}

/**
 * The executor side of `/qflow/dispatch/1.0.0`. A coordinator keeps one session stream here; for
 * each signed request on it: check the envelope (shape, payload hash, signature, skew, replay),
 * that it names this step, that this node serves the step's subnet, that its policy allows the
 * action and that `authorize` agrees; then answer `accepted`, run the step through the local
 * dispatcher with heartbeats every `heartbeatMs`, and answer one signed `result`. A refusal is
 * answered `refused` and nothing runs. The step is aborted on `cancel`, when the session ends
 * (the coordinator went away) or when its deadline passes.
 * Answers are kept per idempotency key for a while: asking again returns the same result without
 * running the step twice.
 */
import { DISPATCH_PROTOCOL } from '../../shared/network.js'
import type { DispatchMessage, DispatchPayload, ResultPayload } from '../../shared/network.js'
import type { SignedEnvelope } from '../../shared/trust.js'
import type { Clock } from '../interface/clock.js'
import type { StepDispatcher } from '../interface/dispatcher.js'
import { TimeoutError } from '../errors.js'
import { signEnvelope, verifyEnvelope } from '../trust/index.js'
import type { ReplayCache, SignatureVerifier, SquidIdentity } from '../trust/index.js'
import type { QflowLibp2p } from './libp2p-node.js'
import { messageChannel, wireSafe } from './wire.js'
import type { MessageChannel } from './wire.js'

export interface ExecutorPolicy {
  /** Action names or prefixes ending in `*` this node runs (default `['*']`). */
  allowActions?: string[]
  /** Names or prefixes it never runs (checked first). */
  denyActions?: string[]
}

export interface ExecutorInit {
  subnets: string[]
  policy?: ExecutorPolicy
  /** Default 250 ms. */
  heartbeatMs?: number
  /** Steps run at once before refusing with `resource_exhausted` (default 64). */
  maxConcurrent?: number
  /**
   * Extra admission check, given the verified request: the runtime re-validates the step against
   * the admission it carries with this node's pipeline (`validatePeerStep`); throw to refuse
   * (the error's `code` and `type` go into `refused`).
   */
  authorize?: (payload: DispatchPayload, envelope: SignedEnvelope) => Promise<void>
}

export interface ExecutorComponents {
  libp2p: QflowLibp2p
  identity: SquidIdentity
  verifier: SignatureVerifier
  replay: ReplayCache
  dispatcher: StepDispatcher
  clock: Clock
}

export interface Executor {
  start(): Promise<void>
  stop(): Promise<void>
  /** Running steps / capacity, for announcements. */
  load(): number
  readonly running: number
}

export function stepExecutor (init: ExecutorInit, components: ExecutorComponents): Executor {
  return new StreamExecutor(init, components)
}

interface Refusal { code: string, type: string, reason: string }

/** What running a step gave, shared by every request with its idempotency key and replica. */
type Outcome = Omit<ResultPayload, 'request'>

const matches = (patterns: readonly string[], action: string): boolean =>
  patterns.some(p => p === '*' || p === action || (p.endsWith('*') && action.startsWith(p.slice(0, -1))))

class StreamExecutor implements Executor {
  running = 0
  private readonly max: number
  /** Answers by idempotency key and replica, oldest evicted first (a Map keeps insertion order). */
  private readonly answers = new Map<string, Promise<Outcome>>()

  constructor (private readonly init: ExecutorInit, private readonly c: ExecutorComponents) {
    this.max = init.maxConcurrent ?? 64
  }

  async start (): Promise<void> {
    await this.c.libp2p.handle(DISPATCH_PROTOCOL, (stream) => { void this.serve(messageChannel(stream)) }, { maxInboundStreams: 64, runOnLimitedConnection: true })
  }

  async stop (): Promise<void> {
    await this.c.libp2p.unhandle(DISPATCH_PROTOCOL)
  }

  load (): number { return Math.min(1, this.running / this.max) }

  private refusal (payload: DispatchPayload, envelope: SignedEnvelope): Refusal | undefined {
    if (envelope.type !== 'step-execution' || envelope.target !== `${payload.executionId}/${payload.stepId}`) {
      return { code: 'envelope_target_mismatch', type: 'validation_error', reason: `the envelope is not a step-execution of ${payload.executionId}/${payload.stepId}` }
    }
    if (!this.init.subnets.includes(payload.daoSubnet)) {
      return { code: 'subnet_not_served', type: 'dao_policy_violation', reason: `this node does not serve subnet "${payload.daoSubnet}" (it serves ${this.init.subnets.join(', ')})` }
    }
    const action = payload.step?.action
    const policy = this.init.policy ?? {}
    if (typeof action !== 'string' || matches(policy.denyActions ?? [], action) || !matches(policy.allowActions ?? ['*'], action)) {
      return { code: 'action_not_allowed', type: 'dao_policy_violation', reason: `this node's policy does not allow action "${String(action)}"` }
    }
    if (this.running >= this.max) {
      return { code: 'node_busy', type: 'resource_exhausted', reason: `this node already runs ${this.running} steps` }
    }
    return undefined
  }

  /** One session: requests run concurrently; `cancel` or the session ending aborts them. */
  private async serve (channel: MessageChannel): Promise<void> {
    const runs = new Map<string, AbortController>()
    try {
      for (;;) {
        const message = await channel.read()
        if (message.kind === 'cancel') {
          runs.get(message.rid)?.abort(new Error('the coordinator cancelled the step'))
        } else if (message.kind === 'request') {
          if (runs.has(message.rid)) continue
          const ctl = new AbortController()
          runs.set(message.rid, ctl)
          void this.handle(channel, message, ctl.signal).finally(() => { runs.delete(message.rid) })
        } else {
          await channel.send({ kind: 'refused', rid: message.rid, code: 'protocol', type: 'validation_error', reason: `expected a request or a cancel, got "${message.kind}"` })
        }
      }
    } catch (err) {
      // the coordinator went away (or spoke nonsense): nobody is left to answer, stop its steps
      const reason = new Error(`the dispatch session ended: ${String((err as Error)?.message ?? err)}`)
      for (const ctl of runs.values()) ctl.abort(reason)
      channel.stream.abort(reason)
    }
  }

  private async handle (channel: MessageChannel, message: Extract<DispatchMessage, { kind: 'request' }>, closed: AbortSignal): Promise<void> {
    const { rid, envelope, payload } = message
    let refusal: Refusal | undefined
    try {
      await verifyEnvelope(envelope, { verifier: this.c.verifier, clock: this.c.clock, replay: this.c.replay, payload: { value: payload } })
      refusal = this.refusal(payload, envelope)
      if (refusal == null) await this.init.authorize?.(payload, envelope)
    } catch (err: any) {
      refusal = { code: String(err?.code ?? 'envelope_invalid'), type: String(err?.type ?? 'permission_denied'), reason: String(err?.message ?? err) }
    }
    const send = (m: DispatchMessage): void => { channel.send(m).catch(() => { /* the session is gone: serve() aborts the run */ }) }
    if (refusal != null) { send({ kind: 'refused', rid, ...refusal }); return }
    send({ kind: 'accepted', rid, at: this.c.clock.now() })
    const key = `${payload.idempotencyKey}#${payload.replica}`
    let answer = this.answers.get(key)
    if (answer == null) {
      answer = this.run(payload, closed)
      this.answers.set(key, answer)
      if (this.answers.size > 1024) this.answers.delete(this.answers.keys().next().value as string)
      answer.catch(() => { this.answers.delete(key) })
    }
    const heartbeat = setInterval(() => { send({ kind: 'heartbeat', rid, at: this.c.clock.now() }) }, this.init.heartbeatMs ?? 250)
    let result: ResultPayload
    try {
      // each answer names the request it answers, even when the run was shared
      result = { ...await answer, request: envelope.signature }
    } catch {
      return // aborted: the coordinator gave up on it
    } finally {
      clearInterval(heartbeat)
    }
    const signed = await signEnvelope(this.c.identity, { type: 'step-execution', target: `${payload.executionId}/${payload.stepId}#result`, payload: result })
    send({ kind: 'result', rid, envelope: signed, payload: result })
  }

  private async run (payload: DispatchPayload, closed: AbortSignal): Promise<Outcome> {
    const ctl = new AbortController()
    const stop = (): void => { ctl.abort(closed.reason) }
    closed.addEventListener('abort', stop, { once: true })
    const deadline = this.c.clock.setTimeout(() => { ctl.abort(new TimeoutError(`step ${payload.stepId} passed its ${payload.deadlineMs} ms deadline on this node`)) }, Math.max(1, payload.deadlineMs))
    const signal = ctl.signal
    const base = { idempotencyKey: payload.idempotencyKey, replica: payload.replica, nodeId: this.c.identity.peerId }
    this.running++
    try {
      const result = await this.c.dispatcher.dispatch({
        executionId: payload.executionId,
        flowId: payload.flowId,
        stepId: payload.stepId,
        attempt: payload.attempt,
        idempotencyKey: payload.idempotencyKey,
        step: payload.step,
        params: payload.params,
        daoSubnet: payload.daoSubnet
      }, { signal })
      return { ...base, ok: true, output: wireSafe(result.output), logs: result.logs }
    } catch (err: any) {
      if (closed.aborted) throw err
      return {
        ...base,
        ok: false,
        logs: Array.isArray(err?.logs) ? err.logs : [],
        error: wireSafe({ name: String(err?.name ?? 'Error'), message: String(err?.message ?? err), type: err?.type, retryable: err?.retryable, code: err?.code }) as ResultPayload['error']
      }
    } finally {
      this.running--
      this.c.clock.clearTimeout(deadline)
      closed.removeEventListener('abort', stop)
    }
  }
}

/**
 * One request of `/qflow/dispatch/1.0.0` to one node, over its session: sign the request, send it,
 * then hear `accepted`, heartbeats and one `result` (or `refused`). Silence longer than
 * `silenceMs`, the session ending (executor died or disconnected), or `deadlineMs` passing is
 * `ExecutorLostError`; a result not signed by the node asked or answering another request is
 * `ForgedResultError`. Giving up sends `cancel` so the executor stops the step.
 */
import type { DispatchMessage, DispatchPayload, QNETNode, ResultPayload } from '../../shared/network.js'
import type { SignedEnvelope } from '../../shared/trust.js'
import type { Clock } from '../interface/clock.js'
import { signEnvelope, verifyEnvelopeSignature } from '../trust/index.js'
import type { SignatureVerifier, SquidIdentity } from '../trust/index.js'
import { DispatchRefusedError, ExecutorLostError, ForgedResultError, ProtocolError } from './errors.js'
import type { DispatchSessions, Session } from './session.js'

export interface SendStepComponents {
  sessions: DispatchSessions
  identity: SquidIdentity
  verifier: SignatureVerifier
  clock: Clock
}

export interface SendStepOptions {
  signal: AbortSignal
  /** Longest gap between two messages from the executor (default 2000 ms). */
  silenceMs: number
  /** Called when the executor accepts the step (before it runs). */
  onAccepted?: () => void
}

export interface SentStep {
  request: SignedEnvelope
  result: ResultPayload
  resultEnvelope: SignedEnvelope
  /** Milliseconds from sending the request to `accepted`. */
  acceptMs: number
}

export async function sendStep (c: SendStepComponents, node: QNETNode, payload: DispatchPayload, options: SendStepOptions): Promise<SentStep> {
  options.signal.throwIfAborted()
  const request = await signEnvelope(c.identity, { type: 'step-execution', target: `${payload.executionId}/${payload.stepId}`, payload }, { clock: c.clock })
  // one controller and two timers per request: the deadline, and a watchdog reset by every message
  const ctl = new AbortController()
  let why = ''
  const fire = (reason: string) => () => { why = reason; ctl.abort(new Error(reason)) }
  const onAbort = (): void => { ctl.abort(options.signal.reason) }
  options.signal.addEventListener('abort', onAbort, { once: true })
  const deadline = c.clock.setTimeout(fire(`missed the step deadline (${payload.deadlineMs} ms)`), payload.deadlineMs + options.silenceMs)
  let watchdog = c.clock.setTimeout(fire(`could not be reached within ${options.silenceMs * 2} ms`), options.silenceMs * 2)
  const heard = (): void => {
    c.clock.clearTimeout(watchdog)
    watchdog = c.clock.setTimeout(fire(`fell silent for ${options.silenceMs} ms`), options.silenceMs)
  }
  const lost = (fallback: string, cause?: unknown): Error => {
    if (options.signal.aborted) return options.signal.reason
    return new ExecutorLostError(`node ${node.nodeId} ${why !== '' ? why : fallback}`,
      { nodeId: node.nodeId, ...(cause != null ? { cause: String((cause as Error)?.message ?? cause) } : {}) })
  }
  let session: Session | undefined
  let rid = ''
  try {
    try {
      session = await c.sessions.get(node, { signal: ctl.signal })
    } catch (err) {
      throw lost('could not be reached', err)
    }
    const s = session
    rid = s.nextRid()
    const sentAt = c.clock.now()
    let acceptMs = -1
    const message = await new Promise<Extract<DispatchMessage, { kind: 'result' }>>((resolve, reject) => {
      const stop = (): void => { reject(lost('gave up')) }
      ctl.signal.addEventListener('abort', stop, { once: true })
      const done = (): void => { ctl.signal.removeEventListener('abort', stop) }
      s.send(rid, { kind: 'request', rid, envelope: request, payload }, {
        onMessage (m) {
          heard()
          if (m.kind === 'accepted') { acceptMs = c.clock.now() - sentAt; options.onAccepted?.(); return }
          if (m.kind === 'heartbeat') return
          done()
          if (m.kind === 'result') resolve(m)
          else if (m.kind === 'refused') reject(new DispatchRefusedError(m.code, `node ${node.nodeId} refused step ${payload.stepId}: ${m.reason}`, m.type))
          else reject(new ProtocolError(`dispatch message.kind: unexpected "${m.kind}" from node ${node.nodeId}`))
        },
        onClose (err) { done(); reject(lost('closed the stream (died or disconnected)', err)) }
      }, { signal: ctl.signal }).then(heard, (err) => { done(); reject(lost('could not be sent the request', err)) })
    })
    s.forget(rid)
    const resultEnvelope = await checkResult(c, node, request, payload, message.envelope, message.payload)
    return { request, result: message.payload, resultEnvelope, acceptMs: acceptMs < 0 ? c.clock.now() - sentAt : acceptMs }
  } catch (err) {
    // the executor stops the step when told (or when its session ends)
    if (session != null && rid !== '') session.cancel(rid)
    throw err
  } finally {
    c.clock.clearTimeout(deadline)
    c.clock.clearTimeout(watchdog)
    options.signal.removeEventListener('abort', onAbort)
  }
}

async function checkResult (c: SendStepComponents, node: QNETNode, request: SignedEnvelope, payload: DispatchPayload,
  envelope: SignedEnvelope, result: ResultPayload): Promise<SignedEnvelope> {
  let checked: SignedEnvelope
  try {
    checked = await verifyEnvelopeSignature(envelope, c.verifier, { value: result })
  } catch (err) {
    throw new ForgedResultError(`the result from node ${node.nodeId} does not verify: ${(err as Error).message}`)
  }
  if (checked.actor !== node.identity) throw new ForgedResultError(`the result for ${payload.stepId} is signed by ${checked.actor}, not by node ${node.nodeId} (${node.identity})`)
  if (checked.target !== `${payload.executionId}/${payload.stepId}#result`) throw new ForgedResultError(`the result from node ${node.nodeId} names ${checked.target}`)
  if (result.request !== request.signature || result.idempotencyKey !== payload.idempotencyKey || result.replica !== payload.replica || result.nodeId !== node.nodeId) {
    throw new ForgedResultError(`the result from node ${node.nodeId} answers another request`)
  }
  return checked
}

/**
 * Admission control for a node (a Node runtime or a browser tab): no execution starts unless a
 * signed `flow-execution` operation passed `pipeline.validate`, and no step runs unless it
 * passes `validateStep`.
 *
 * - `admission.start(flowId, input, { actor | operation })` admits as a given identity (signed
 *   here) or with an operation signed elsewhere (its payload names the execution id, and the CID
 *   of the flow definition, which must be the one this node holds: `checkAdmission`);
 * - every other start, `engine.startExecution` included (the CLI, the API, the dashboard, child
 *   flows), is signed by the node identity for the local owner, presenting the node's
 *   self-grant; a child flow's operation names its parent, and it starts only if the parent's
 *   actor could run it (`onBehalfCheck`);
 * - the admitted operation is stored in the execution's context (`ADMISSION_VARIABLE`), so after
 *   a restart the steps are checked against it again (signature, grants, policy, binding: the
 *   record's flow must hash to the signed flow CID, also on a successor after takeover), with
 *   the node that admitted it (`ADMITTED_BY_VARIABLE`): a successor that took the execution over
 *   validates its steps with that node as voucher (peer authority, src/trust/ARCHITECTURE.md);
 * - each step goes on with its admission (`request.admission`), so an executor peer validates it
 *   again with its own pipeline (`validatePeerStep`).
 *
 * The engine draws execution ids from its `IdSource`; `presetIds` lets admission choose the id
 * first (the signed payload names it) and hands it to the engine's next draw.
 *
 * @example
 * const ids = presetIds()
 * let admission: Admission | undefined
 * const engine = createExecutionEngine(init, { ...components, ids, dispatcher: admittedDispatcher(pipeline, dispatcher, () => admission, node.id) })
 * admission = admissionControl({ engine, store, pipeline, ids, node, ownerGrant, checkOnBehalf })
 * await engine.startExecution('report', { inputData })   // signed by `node`, admitted, then started
 */
import type { ExecutionContext } from '../../../shared/execution.js'
import type { FlowDefinition } from '../../../shared/flow.js'
import type { Operation, SignedGrant } from '../../../shared/trust.js'
import type { StartOptions } from '../../engine/engine-init.js'
import type { ExecutionEngine } from '../../engine/engine.js'
import { NotFoundError } from '../../errors.js'
import type { StepDispatcher } from '../../interface/dispatcher.js'
import { randomIds } from '../../interface/ids.js'
import type { IdSource } from '../../interface/ids.js'
import type { StateStore } from '../../interface/state-store.js'
import type { GrantVerifier } from '../grants/chain.js'
import type { RevocationList } from '../grants/revocations.js'
import type { AuthorityPredicate } from '../grants/authority.js'
import { PermissionDeniedError } from '../errors.js'
import type { SquidIdentity } from '../identity/identity.js'
import { Lru } from '../lru.js'
import { admissionOf, admittedByOf, canAccessSubnet, checkAdmission, signStart, startPayloadOf, withAdmission } from './admission.js'
import { trustedDispatcher } from './guard.js'
import type { Admitted } from './guard.js'
import type { ValidationPipeline } from './pipeline.js'
import { qonsentLayer } from './qonsent.js'

/** An `IdSource` whose next `exec` id can be chosen by the caller of `claim`. */
export interface PresetIds extends IdSource {
  /** A new execution id (not yet handed to the engine). */
  fresh(): string
  /** Runs `start` with `id` as the engine's next execution id (starts are serialised until the id is drawn). */
  claim<T>(id: string, start: () => Promise<T>): Promise<T>
}

export function presetIds (base: IdSource = randomIds()): PresetIds {
  let slot: { id: string, drawn(): void } | undefined
  let queue: Promise<void> = Promise.resolve()
  return {
    next (kind) {
      if (kind !== 'exec' || slot == null) return base.next(kind)
      const s = slot
      slot = undefined
      s.drawn()
      return s.id
    },
    fresh: () => base.next('exec'),
    async claim (id, start) {
      const previous = queue
      let release!: () => void
      queue = new Promise<void>(resolve => { release = resolve })
      await previous
      let drawn!: () => void
      const taken = new Promise<void>(resolve => { drawn = resolve })
      slot = { id, drawn }
      const started = start()
      // the engine draws the id before its first await when the flow is cached, else after loading it
      void Promise.race([taken, started.then(() => undefined, () => undefined)]).then(() => {
        if (slot?.id === id) slot = undefined
        release()
      })
      return await started
    }
  }
}

/** How `start` admits an execution. */
export interface AdmitOptions {
  /** Sign the start as this identity (default: the node, for its local owner). */
  actor?: SquidIdentity
  /** Grants the actor presents (default for the node: its self-grant). */
  grants?: SignedGrant[]
  /** A start operation signed elsewhere (`signStart`); its payload names the execution id. */
  operation?: Operation
  /** More of the execution context (trigger, variables, DAO subnet). */
  context?: Partial<ExecutionContext>
  signal?: AbortSignal
}

export interface AdmissionInit {
  engine: ExecutionEngine
  store: Pick<StateStore, 'readEvents'>
  pipeline: Pick<ValidationPipeline, 'validate' | 'validateStep'>
  ids: PresetIds
  node: SquidIdentity
  ownerGrant: SignedGrant
  /** Throws unless the parent execution's actor may run the child `flow` (child flows run on its authority; see `onBehalfCheck`). */
  checkOnBehalf(parent: Operation, flow: Admitted['flow'], admittedBy?: string): Promise<void>
  /** Admitted executions kept in memory (default 10,000; others are read back from the store). */
  cacheSize?: number
  /** Told when admission carries on past a failure it cannot report to a caller (default: nothing is told). */
  onError?(message: string, err: unknown): void
}

export interface Admission {
  /** Admits (`pipeline.validate`, throws `ValidationFailedError`) and starts; resolves with the execution id. */
  start(flowId: string, input?: Record<string, unknown>, options?: AdmitOptions): Promise<string>
  /** The admitted operation of an execution (from memory or its record), or undefined. */
  admitted(executionId: string): Promise<Admitted | undefined>
}

/**
 * Wraps the engine's dispatcher so each step attempt passes `validateStep` against its
 * execution's admission. `admission` is read when a step runs (the engine is built first);
 * `self` is the node's sQuid id (executions another node admitted are validated with it as voucher).
 */
export function admittedDispatcher (pipeline: Pick<ValidationPipeline, 'validateStep'>, inner: StepDispatcher, admission: () => Admission | undefined, self?: string): StepDispatcher {
  return trustedDispatcher({ pipeline, dispatcher: inner, admitted: async (request) => await admission()?.admitted(request.executionId), ...(self != null ? { self } : {}) })
}

/** Installs admission on `engine` (its `startExecution` is replaced) and returns the controls. */
export function admissionControl (init: AdmissionInit): Admission {
  const { engine, ids, node } = init
  const cache = new Lru<string, Admitted>(init.cacheSize ?? 10_000)
  const rawStart = engine.startExecution.bind(engine)

  async function load (executionId: string): Promise<Admitted | undefined> {
    const known = cache.get(executionId)
    if (known != null) return known
    let events
    try {
      events = await init.store.readEvents(executionId)
    } catch (err) {
      if (err instanceof NotFoundError || (err as Error)?.name === 'NotFoundError') return undefined
      throw err
    }
    const started = events.find(e => e.type === 'execution.started')
    if (started?.type !== 'execution.started') return undefined
    const operation = admissionOf(started.context)
    if (operation == null) return undefined
    // the flow comes from the record (on a successor: written by the node that gave the execution up): it must be the one the actor signed
    checkAdmission(operation, { executionId, flow: started.flow, inputData: started.context.inputData })
    const admittedBy = admittedByOf(started.context)
    const admitted: Admitted = { operation, flow: started.flow, ...(admittedBy != null ? { admittedBy } : {}) }
    cache.set(executionId, admitted)
    return admitted
  }

  async function admit (flowId: string, context: Partial<ExecutionContext>, startOptions: StartOptions, options: AdmitOptions): Promise<string> {
    const flow = await engine.getFlow(flowId)
    const inputData = context.inputData ?? {}
    let operation: Operation
    if (options.operation != null) {
      operation = options.operation
      const { executionId } = checkAdmission(operation, { executionId: startPayloadOf(operation).executionId, flow, inputData })
      const taken = await engine.getExecutionStatus(executionId).then(() => true, (err: Error) => {
        if (err?.name === 'NotFoundError') return false
        throw err
      })
      if (taken) throw new PermissionDeniedError('execution_exists', `execution ${executionId} already exists: a start operation admits one new execution`)
    } else {
      if (startOptions.parentExecutionId != null && options.actor == null) {
        const parent = await load(startOptions.parentExecutionId)
        if (parent == null) throw new PermissionDeniedError('not_admitted', `execution ${startOptions.parentExecutionId} was not admitted: it may not start child flow ${flowId}`)
        await init.checkOnBehalf(parent.operation, flow, parent.admittedBy)
      }
      const actor = options.actor ?? node
      operation = await signStart(actor, {
        flowId,
        flow,
        executionId: ids.fresh(),
        inputData,
        grants: options.grants ?? (actor.id === node.id ? [init.ownerGrant] : []),
        ...(context.daoSubnet != null ? { daoSubnet: context.daoSubnet } : {}),
        ...(startOptions.parentExecutionId != null ? { parent: startOptions.parentExecutionId } : {})
      })
    }
    const executionId = startPayloadOf(operation).executionId
    await init.pipeline.validate(operation, { flow }, { ...(options.signal != null ? { signal: options.signal } : {}) })
    cache.set(executionId, { operation, flow, admittedBy: node.id })
    const started = await ids.claim(executionId, async () => await rawStart(flowId, withAdmission(context, operation, node.id), startOptions))
    if (started !== executionId) {
      // cannot happen while every start goes through here; refuse to run an execution its admission does not name
      // (its steps would be refused anyway: the abort only stops it early, the error below reports it)
      cache.delete(executionId)
      await engine.abortExecution(started, 'its admission names another execution').catch((err: unknown) => { init.onError?.(`could not abort ${started}`, err) })
      throw new PermissionDeniedError('admission_mismatch', `execution ${started} started without the id its admission names (${executionId})`)
    }
    return executionId
  }

  engine.startExecution = async (flowId, context = {}, startOptions = {}) => await admit(flowId, context, startOptions, {})

  return {
    async start (flowId, input = {}, options = {}) {
      const context: Partial<ExecutionContext> = {
        ...(options.actor != null ? { triggeredBy: options.actor.id } : options.operation != null ? { triggeredBy: options.operation.actor } : {}),
        ...options.context,
        inputData: input
      }
      return await admit(flowId, context, {}, options)
    },
    admitted: load
  }
}

export interface OnBehalfInit {
  /** The node's sQuid id: it may run anything. */
  self: string
  grants: GrantVerifier
  revocations: Pick<RevocationList, 'isRevoked' | 'version'>
  /** The node's roots of trust (as given to the pipeline). */
  authorities: readonly string[] | AuthorityPredicate
  /** The peer-authority rule (`peerAuthority`) for parents another node admitted. */
  peers: AuthorityPredicate
  /** DAO subnet membership (the registry's `isMember`). */
  isMember(subnet: string, identity: string): boolean
  now(): number
}

/**
 * The `checkOnBehalf` of `AdmissionInit`: a child flow runs on its parent's authority, so it
 * throws `PermissionDeniedError` unless the parent's actor (with the grants it presented) could
 * run `flow` itself and is a member of its DAO subnet. The node itself may run anything.
 * `admittedBy`: the node that admitted the parent, when another node did (a taken-over
 * execution): it vouches as in `validateStep`.
 */
export function onBehalfCheck (init: OnBehalfInit): (parent: Operation, flow: FlowDefinition, admittedBy?: string) => Promise<void> {
  const consent = qonsentLayer({ grants: init.grants, revocations: init.revocations, authorities: init.authorities, peers: init.peers })
  return async (parent, flow, admittedBy) => {
    if (parent.actor === init.self) return
    if (!canAccessSubnet(parent.actor, flow.metadata.daoSubnet, { isMember: init.isMember })) {
      throw new PermissionDeniedError('not_a_member', `${parent.actor} is not a member of DAO subnet ${String(flow.metadata.daoSubnet)}: its execution may not start child flow ${flow.id}`)
    }
    const vouchers = admittedBy != null && admittedBy !== init.self ? [admittedBy] : undefined
    const verdict = await consent.check({ operation: parent, flow, mode: 'admit', now: init.now(), opHash: '', payloadCid: '', payloadSize: 0, ...(vouchers != null ? { vouchers } : {}) })
    const first = verdict.errors[0]
    if (first != null) throw new PermissionDeniedError(first.code, `child flow ${flow.id} runs on the authority of ${parent.actor}, which may not run it: ${first.message}`)
  }
}

/**
 * Admission: starting an execution is a `flow-execution` operation signed by its actor and
 * admitted by `pipeline.validate`. The signed payload binds the operation to one execution of
 * one flow definition:
 *
 *   { flowId, flow: <CID of the flow definition>, executionId, input: <CID of the input data>, parent?: <parent execution id> }
 *
 * so an admitted operation cannot be replayed to start or authorise another execution, nor carry
 * another flow (a node that supplies the flow, a coordinator to its executors or a record to a
 * successor, cannot change its steps or permissions under the actor's signature), and the input
 * travels by hash only (nothing secret in the envelope). A payload without `flow` (signed before
 * flows were bound) is refused everywhere (`admission_unbound`). The operation is kept in the
 * execution's own record (`context.variables['qflow:admission']`): after a restart, or on a
 * peer, `admissionOf` reads it back and `checkAdmission` ties it to the execution again; the
 * signature is re-checked by `validateStep` before every step (which accepts the operation's
 * own nonce, so the same execution's envelope is never taken for a replay).
 */
import type { ExecutionContext } from '../../../shared/execution.js'
import type { FlowDefinition } from '../../../shared/flow.js'
import type { Operation, SignedGrant } from '../../../shared/trust.js'
import type { Clock } from '../../interface/clock.js'
import { cidOfValue } from '../encoding.js'
import { PermissionDeniedError } from '../errors.js'
import type { SquidIdentity } from '../identity/identity.js'
import { Lru } from '../lru.js'
import { signOperation } from '../operation.js'

/** Where the admitted start operation lives in the execution's context. */
export const ADMISSION_VARIABLE = 'qflow:admission'
/** Where the sQuid id of the node that admitted the execution lives in its context. */
export const ADMITTED_BY_VARIABLE = 'qflow:admitted-by'

/** What the actor signs to start an execution. */
export interface StartPayload {
  flowId: string
  /** CID (dag-cbor) of the flow definition the execution runs (`flowCid`). */
  flow: string
  executionId: string
  /** CID (dag-cbor) of the execution's `inputData`. */
  input: string
  /** Set when a parent execution started this one (a child flow). */
  parent?: string
}

export interface StartFields {
  flowId: string
  /** The flow definition the execution runs, or its CID (`flowCid(flow)`): the signature binds it. */
  flow: FlowDefinition | string
  executionId: string
  inputData: Record<string, unknown>
  grants?: SignedGrant[]
  daoSubnet?: string
  parent?: string
}

export function startPayload (fields: Pick<StartFields, 'flowId' | 'flow' | 'executionId' | 'inputData' | 'parent'>): StartPayload {
  if (typeof fields.flow !== 'string' && (fields.flow == null || typeof fields.flow !== 'object')) {
    throw new TypeError(`a start of flow ${fields.flowId} must name its flow: fields.flow must be the flow definition or its CID (flowCid(flow)), not ${String(fields.flow)}`)
  }
  return {
    flowId: fields.flowId,
    flow: typeof fields.flow === 'string' ? fields.flow : flowCid(fields.flow),
    executionId: fields.executionId,
    input: cidOfValue(fields.inputData ?? {}),
    ...(fields.parent != null ? { parent: fields.parent } : {})
  }
}

const byObject = new WeakMap<object, string>()
/** Flows up to this JSON length are remembered by their JSON (a flow received off the wire is a new object each time). */
const MAX_REMEMBERED_JSON = 64 * 1024
const byJson = new Lru<string, string>(256)

/**
 * The content id of a flow definition: CIDv1 (dag-cbor, sha2-256) of its JSON form (what a
 * record, the API and the dispatch wire all carry: undefined fields dropped, keys in any order).
 * Remembered per flow object, and per JSON text for flows that arrive as new objects (a step a
 * coordinator sends), so a start or a step costs no hashing after the first; treat a flow the
 * engine holds as immutable.
 *
 * @example
 * const op = await signStart(alice, { flowId: flow.id, flow, executionId, inputData })
 * startPayloadOf(op).flow === flowCid(flow) // true
 */
export function flowCid (flow: FlowDefinition): string {
  const known = byObject.get(flow)
  if (known != null) return known
  const json = JSON.stringify(flow)
  if (json === undefined) throw new TypeError('a flow definition must be a JSON object')
  const remember = json.length <= MAX_REMEMBERED_JSON
  let cid = remember ? byJson.get(json) : undefined
  if (cid == null) {
    cid = cidOfValue(JSON.parse(json))
    if (remember) byJson.set(json, cid)
  }
  byObject.set(flow, cid)
  return cid
}

/**
 * The operation an actor signs to start `executionId` of `flowId` with `inputData`.
 *
 * @example
 * const op = await signStart(alice, { flowId: 'report', flow, executionId: 'exec-1', inputData: { month: '2026-01' }, grants })
 * await pipeline.validate(op, { flow })
 */
export async function signStart (actor: SquidIdentity, fields: StartFields, options: { clock?: Pick<Clock, 'now'> } = {}): Promise<Operation> {
  return await signOperation(actor, {
    type: 'flow-execution',
    target: fields.flowId,
    payload: startPayload(fields),
    context: {
      executionId: fields.executionId,
      ...(fields.grants != null && fields.grants.length > 0 ? { grants: fields.grants } : {}),
      ...(fields.daoSubnet != null ? { daoSubnet: fields.daoSubnet } : {})
    }
  }, options)
}

/** The start payload of an operation, or a `PermissionDeniedError` naming what is wrong. */
export function startPayloadOf (operation: Operation): StartPayload {
  const p = operation?.payload as Partial<StartPayload> | undefined
  const bad = (why: string): never => { throw new PermissionDeniedError('admission_malformed', `the start operation ${String(operation?.operationId)} is not an admission: ${why}`) }
  if (operation?.type !== 'flow-execution') bad(`its type is ${String(operation?.type)}, not flow-execution`)
  if (p == null || typeof p !== 'object') return bad('payload must be { flowId, flow, executionId, input }')
  if (typeof p.flowId !== 'string' || p.flowId === '') bad('payload.flowId must be a non-empty string')
  if (p.flow == null) {
    throw new PermissionDeniedError('admission_unbound', `the start operation ${String(operation?.operationId)} does not name its flow definition (payload.flow, the flow's CID): it was signed before flows were bound to admissions, and nothing vouches for the flow it would run; sign the start again (signStart)`)
  }
  if (typeof p.flow !== 'string' || !p.flow.startsWith('bafy')) bad('payload.flow must be the CID of the flow definition')
  if (typeof p.executionId !== 'string' || !/^[A-Za-z0-9_.:-]{1,128}$/.test(p.executionId)) bad('payload.executionId must be 1-128 characters of A-Z a-z 0-9 _ . : -')
  if (typeof p.input !== 'string' || !p.input.startsWith('bafy')) bad('payload.input must be the CID of the input data')
  if (p.parent != null && typeof p.parent !== 'string') bad('payload.parent must be an execution id')
  return p as StartPayload
}

/**
 * Ties an admitted operation to an execution: same flow (id and definition: `flow` must hash to
 * the signed CID), same execution id, same input. Throws `PermissionDeniedError`
 * (`admission_mismatch`; `admission_unbound` for a payload that names no flow CID) otherwise.
 */
export function checkAdmission (operation: Operation, execution: { executionId: string, flow: FlowDefinition, inputData: Record<string, unknown> }): StartPayload {
  const p = startPayloadOf(operation)
  const mismatch = (field: string, signed: string, actual: string): never => {
    throw new PermissionDeniedError('admission_mismatch', `the start operation of ${execution.executionId} was signed for ${field} ${signed}, not ${actual}: it admits another execution`)
  }
  if (operation.target !== p.flowId) mismatch('flow', p.flowId, operation.target)
  if (p.flowId !== execution.flow.id) mismatch('flow', p.flowId, execution.flow.id)
  if (p.executionId !== execution.executionId) mismatch('execution', p.executionId, execution.executionId)
  const flow = flowCid(execution.flow)
  if (p.flow !== flow) mismatch(`the definition of flow ${p.flowId}`, p.flow, flow)
  const input = cidOfValue(execution.inputData ?? {})
  if (p.input !== input) mismatch('input', p.input, input)
  return p
}

/**
 * The admitted operation kept in an execution's context, as plain data (a decoded record may
 * carry other prototypes), or undefined when the execution has none.
 */
export function admissionOf (context: Pick<ExecutionContext, 'variables'> | undefined): Operation | undefined {
  const stored = context?.variables?.[ADMISSION_VARIABLE]
  if (stored == null || typeof stored !== 'object') return undefined
  return JSON.parse(JSON.stringify(stored)) as Operation
}

/**
 * The execution context to start with: the caller's, with the admitted operation and the node
 * that admitted it added (over anything the caller put there).
 */
export function withAdmission (context: Partial<ExecutionContext>, operation: Operation, admittedBy?: string): Partial<ExecutionContext> {
  const variables: Record<string, unknown> = { ...(context.variables ?? {}), [ADMISSION_VARIABLE]: operation }
  if (admittedBy != null) variables[ADMITTED_BY_VARIABLE] = admittedBy
  else delete variables[ADMITTED_BY_VARIABLE]
  return { ...context, variables }
}

/** The node that admitted an execution, as its start context records it (undefined when it does not). */
export function admittedByOf (context: Pick<ExecutionContext, 'variables'> | undefined): string | undefined {
  const by = context?.variables?.[ADMITTED_BY_VARIABLE]
  return typeof by === 'string' && by.startsWith('did:key:') ? by : undefined
}

/**
 * Whether `actorId` may see, run, or receive events of something in DAO subnet `subnet`:
 * always when there is no subnet, else only a member of it (by the registry's current policy).
 *
 * @example
 * canAccessSubnet(alice.id, flow.metadata.daoSubnet, trust.dao.registry) // false for a non-member
 */
export function canAccessSubnet (actorId: string, subnet: string | undefined | null, registry: { isMember(subnet: string, identity: string): boolean }): boolean {
  if (subnet == null || subnet === '') return true
  return registry.isMember(subnet, actorId)
}

/** Like {@link canAccessSubnet} for a flow (its `metadata.daoSubnet`). */
export function canAccessFlow (actorId: string, flow: Pick<FlowDefinition, 'metadata'>, registry: { isMember(subnet: string, identity: string): boolean }): boolean {
  return canAccessSubnet(actorId, flow.metadata?.daoSubnet, registry)
}

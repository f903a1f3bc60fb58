/**
 * A step sent by another node runs only if this node's own pipeline admits it. The dispatch
 * carries the execution's admission (`StepAdmission`: the actor's signed `flow-execution`
 * operation, its flow, the node that admitted it); before running, the executor:
 * 1. refuses a step without an admission (`not_admitted`);
 * 2. ties the admission to the step: a flow-execution operation of the step's flow, naming the
 *    step's execution, whose signed flow CID is the CID of the flow received (`flowCid`), and
 *    the step sent is that flow's step of the same id, unchanged (`admission_mismatch`); an
 *    operation that names no flow CID is refused (`admission_unbound`). The input's CID cannot be
 *    checked here (the executor never sees the input), the signature over it is (Qlock);
 * 3. for a flow of a DAO subnet, refuses a dispatching node that is not a member of it
 *    (`coordinator_not_a_member`): only members run a subnet's work;
 * 4. runs `pipeline.validateStep` with the dispatching and admitting nodes as vouchers, so the
 *    peer-authority rule (`grants/authority.ts`) applies on top of this node's own roots.
 * Every refusal is a `TrustError` (code, ErrorType, a message saying why).
 */
import type { FlowStep } from '../../../shared/flow.js'
import type { StepAdmission } from '../../../shared/trust.js'
import { encodeCanonical } from '../encoding.js'
import { PermissionDeniedError } from '../errors.js'
import { findStep } from '../flow-steps.js'
import { flowCid, startPayloadOf } from './admission.js'
import type { ValidationPipeline } from './pipeline.js'
import type { StepValidationResult } from './types.js'

export interface PeerStepInit {
  pipeline: Pick<ValidationPipeline, 'validateStep'>
  /** Membership of a DAO subnet (the registry's `isMember`). */
  isMember(subnet: string, identity: string): boolean
  /** This node's sQuid id (its own admissions need no vouching). */
  self: string
}

/** What a dispatched step names (a `DispatchPayload` fits). */
export interface PeerStep {
  executionId: string
  flowId: string
  stepId: string
  step: FlowStep
  params: Record<string, unknown>
  admission?: StepAdmission
}

/**
 * Validates a step another node sent (`signer`: the verified signer of its dispatch envelope)
 * against its admission with this node's pipeline; throws a `TrustError` to refuse it.
 *
 * @example
 * stepExecutor({ subnets, authorize: async (payload, envelope) => { await validatePeerStep({ pipeline, isMember, self: node.id }, payload, envelope.actor) } }, components)
 */
export async function validatePeerStep (init: PeerStepInit, step: PeerStep, signer: string, options: { signal?: AbortSignal } = {}): Promise<StepValidationResult> {
  const where = `step ${step.stepId} of execution ${step.executionId}`
  const admission = step.admission
  if (admission == null || typeof admission !== 'object' || admission.operation == null || admission.flow == null || typeof admission.flow !== 'object') {
    throw new PermissionDeniedError('not_admitted', `${where} came from ${signer} without the execution's admission (its signed start operation and flow): it does not run here`)
  }
  const { operation, flow } = admission
  const p = startPayloadOf(operation)
  const mismatch = (what: string): never => {
    throw new PermissionDeniedError('admission_mismatch', `the admission sent with ${where} ${what}: it admits another execution`)
  }
  if (flow.id !== step.flowId) mismatch(`is for flow ${String(flow.id)}, not ${step.flowId}`)
  if (p.flowId !== step.flowId || operation.target !== step.flowId) mismatch(`was signed for flow ${p.flowId}, not ${step.flowId}`)
  if (p.executionId !== step.executionId) mismatch(`was signed for execution ${p.executionId}`)
  // the flow is the coordinator's word until it hashes to what the actor signed: nothing below reads it before
  let received: string
  try {
    received = flowCid(flow)
  } catch (err) {
    throw new PermissionDeniedError('admission_malformed', `the flow sent with ${where} is not plain JSON data (${(err as Error)?.message}): it does not run here`)
  }
  if (received !== p.flow) {
    throw new PermissionDeniedError('admission_mismatch', `the flow sent with ${where} is not the one its actor signed: the start operation names flow definition ${p.flow}, the flow received is ${received}; it does not run here`, { signed: p.flow, received })
  }
  const declared = findStep(flow, step.stepId)
  if (declared == null || step.step?.id !== step.stepId || !sameData(declared, step.step)) {
    throw new PermissionDeniedError('admission_mismatch', `${where} is not step ${step.stepId} of the signed flow ${flow.id} (${p.flow}) as it is defined there: it does not run here`)
  }
  const subnet = flow.metadata?.daoSubnet
  if (subnet != null && subnet !== '' && signer !== init.self && !init.isMember(subnet, signer)) {
    throw new PermissionDeniedError('coordinator_not_a_member', `${where} was sent by ${signer}, which is not a member of DAO subnet ${subnet} (flow ${flow.id}): only its members run its work`)
  }
  const admittedBy = typeof admission.admittedBy === 'string' ? admission.admittedBy : undefined
  const vouchers = [...new Set([signer, ...(admittedBy != null ? [admittedBy] : [])])].filter(id => id !== init.self)
  return await init.pipeline.validateStep(step.step, { operation, flow, params: step.params, executionId: step.executionId, vouchers }, options)
}

/** Equal as JSON data, whatever the order of their keys (a step off the wire has dag-cbor's key order). */
function sameData (a: unknown, b: unknown): boolean {
  const ja = JSON.stringify(a)
  const jb = JSON.stringify(b)
  if (ja === jb) return true
  if (ja === undefined || jb === undefined) return false
  const ea = encodeCanonical(JSON.parse(ja))
  const eb = encodeCanonical(JSON.parse(jb))
  return ea.length === eb.length && ea.every((byte, i) => byte === eb[i])
}

/**
 * The validation pipeline's contracts. Layers form a closed, ordered list
 * (`VALIDATION_LAYERS`: qlock → qonsent → qindex → qerberos); each has a cacheable `check`
 * (a function of the operation, the step and the policy version, until `validUntil`) and an
 * optional `gate` for stateful checks that run on every validation (skew, replay, rate).
 */
import type { FlowDefinition, FlowStep } from '../../../shared/flow.js'
import type { Operation, ValidationIssue, ValidationLayerName, ValidationResult, ValidationWarning } from '../../../shared/trust.js'

export interface ValidationContext {
  /** The flow the operation targets (flow-execution, step-execution). */
  flow?: FlowDefinition
}

export interface StepContext {
  /** The admitted operation the step belongs to (its `flow-execution`). */
  operation: Operation
  flow: FlowDefinition
  /** This attempt's resolved params (default: the step's params as written). */
  params?: Record<string, unknown>
  executionId?: string
  /**
   * Nodes (sQuid ids) vouching for an operation another node admitted: the admitting node and
   * the node that dispatched the step (`validatePeerStep`, a successor's `trustedDispatcher`).
   * Their peer-authority rule applies (`grants/authority.ts`); absent: admitted here.
   */
  vouchers?: readonly string[]
}

export interface StepValidationResult extends ValidationResult {
  stepId: string
}

/** What every layer sees. */
export interface LayerInput {
  operation: Operation
  /** A digest of the whole operation (`operationDigest`): the cache key. */
  opHash: string
  flow?: FlowDefinition
  /** Present in `validateStep`. */
  step?: { step: FlowStep, params: Record<string, unknown> }
  /** `admit`: a new operation (`validate`); `step`: an admitted one re-checked before a step runs. */
  mode: 'admit' | 'step'
  /** See `StepContext.vouchers`. */
  vouchers?: readonly string[]
  /**
   * With vouchers, a digest of what came with the operation from elsewhere (flow, step, params,
   * vouchers): part of every cache key, since another node may send the same operation with
   * other data. Absent for local operations (their flow is the one admitted here).
   */
  peerKey?: string
  now: number
  /** CIDv1 of the payload's dag-cbor (computed once per operation object). */
  payloadCid: string
  /** Size of the payload's dag-cbor in bytes. */
  payloadSize: number
}

export interface LayerVerdict {
  errors: ValidationIssue[]
  warnings: ValidationWarning[]
  metadata: Record<string, unknown>
  /** Epoch ms until which a passing verdict may be reused (default: until the policy version changes). */
  validUntil?: number
  /** For retryable rejections (rate limits). */
  retryAfterMs?: number
}

export interface ValidationLayer<N extends ValidationLayerName = ValidationLayerName> {
  readonly name: N
  /** The deterministic checks; a passing verdict is cached. May throw a `TrustError`. */
  check(input: LayerInput): LayerVerdict | Promise<LayerVerdict>
  /** What, besides the operation, the verdict depends on (default: the step id in step mode). */
  scope?(input: LayerInput): string
  /** Stateful checks run on every validation, cached or not. */
  gate?(input: LayerInput): LayerVerdict | undefined
  /** Called once every layer passed (record the nonce, index the metadata). */
  commit?(input: LayerInput): void
  /** Changes whenever this layer's policy does (revocations, allow-lists); part of the cache key. */
  policyVersion?(): string | number
}

/** The closed list: exactly one layer of each name. */
export type ValidationLayers = { [N in ValidationLayerName]: ValidationLayer<N> }

export function verdict (partial: Partial<LayerVerdict> = {}): LayerVerdict {
  return { errors: [], warnings: [], metadata: {}, ...partial }
}

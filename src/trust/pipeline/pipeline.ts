/**
 * The validation pipeline (the seed's `ValidationPipeline`): Qlock → Qonsent → Qindex →
 * Qerberos, in that order, the first failing layer stopping the operation with a
 * `ValidationFailedError`. Per layer: the cacheable `check` (cached by operation hash, policy
 * version and the layer's scope, until its `validUntil`), then the stateful `gate`. Once every
 * layer passed, the layers commit (Qerberos first: its nonce record can still fail). Every
 * validation is written to the history.
 * A step of an operation admitted elsewhere (`vouchers`) is cached under a digest of the flow,
 * step and params it came with as well (`peerKey`), since those came from another node.
 */
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { ErrorType } from '../../../shared/errors.js'
import type { FlowStep } from '../../../shared/flow.js'
import { VALIDATION_LAYERS } from '../../../shared/trust.js'
import type { Operation, ValidationHistoryEntry, ValidationLayerName, ValidationResult, ValidationWarning } from '../../../shared/trust.js'
import type { Clock } from '../../interface/clock.js'
import { MalformedError, ValidationFailedError } from '../errors.js'
import { sha256 } from '../../util/sha256.js'
import { Lru } from '../lru.js'
import { operationDigest } from '../operation.js'
import type { OperationDigest } from '../operation.js'
import { memoryValidationHistory } from './history.js'
import type { ValidationHistory } from './history.js'
import { verdict } from './types.js'
import type { LayerInput, LayerVerdict, StepContext, StepValidationResult, ValidationContext, ValidationLayer, ValidationLayers } from './types.js'

export interface ValidationPipelineInit {
  layers: ValidationLayers
  clock: Pick<Clock, 'now'>
  /** Default: in memory. */
  history?: ValidationHistory
  /**
   * Cached layer verdicts, about (default 10,000): they are kept per operation (the verdicts of
   * its admission and of its steps together), for up to `cacheSize / 4` operations.
   */
  cacheSize?: number
}

export interface PipelineMetrics {
  validations: number
  accepted: number
  rejected: number
  rejectedBy: Record<ValidationLayerName, number>
  /** Verdict lookups; `size`: operations with cached verdicts. */
  cache: { hits: number, misses: number, hitRate: number, size: number }
}

export interface ValidationPipeline {
  /** Admits an operation: resolves with the combined result, or rejects with `ValidationFailedError`. */
  validate(operation: Operation, context?: ValidationContext, options?: { signal?: AbortSignal }): Promise<ValidationResult>
  /** Re-checks an admitted operation before `step` runs (resolved params, current grants and policy). */
  validateStep(step: FlowStep, context: StepContext, options?: { signal?: AbortSignal }): Promise<StepValidationResult>
  getValidationHistory(operationId: string): Promise<ValidationHistoryEntry[]>
  /** The layers' policy versions, joined: part of every cache key. */
  policyVersion(): string
  metrics(): PipelineMetrics
}

function toIssueVerdict (layer: ValidationLayerName, err: any): LayerVerdict {
  const known = typeof err?.code === 'string' && typeof err?.type === 'string'
  return verdict({
    errors: [known
      ? { code: err.code, type: err.type, message: String(err.message) }
      : { code: 'layer_failed', type: ErrorType.VALIDATION_ERROR, message: `${layer} could not complete: ${String(err?.message ?? err)}` }]
  })
}

/** The cached verdicts of one operation, under one policy version (by `layer|scope|peerKey`). */
interface OperationVerdicts { policy: string, verdicts: Map<string, LayerVerdict> }

export function validationPipeline (init: ValidationPipelineInit): ValidationPipeline {
  const { layers, clock } = init
  const ordered: Array<ValidationLayer<ValidationLayerName>> = VALIDATION_LAYERS.map(name => layers[name])
  const history = init.history ?? memoryValidationHistory()
  // one entry per operation (keyed by its hash): one LRU insertion per operation, not one per
  // verdict, and short keys per layer; an entry made under another policy version is dropped
  const cache = new Lru<string, OperationVerdicts>(Math.max(1, Math.ceil((init.cacheSize ?? 10_000) / 4)))
  const lookups = { hits: 0, misses: 0 }
  const counts = { validations: 0, accepted: 0, rejected: 0, rejectedBy: { qlock: 0, qonsent: 0, qindex: 0, qerberos: 0 } }

  const policyVersion = (): string => ordered.map(l => String(l.policyVersion?.() ?? 0)).join('.')

  async function run (input: LayerInput, check: string): Promise<ValidationResult> {
    counts.validations++
    const timestamp = new Date(input.now).toISOString()
    const policy = policyVersion()
    const results: ValidationResult[] = []
    const warnings: ValidationWarning[] = []
    let allCached = true
    const finish = (valid: boolean, layer: ValidationLayerName, v?: LayerVerdict): ValidationResult => {
      const result: ValidationResult = valid
        ? { valid, layer, errors: [], warnings, metadata: { operationId: input.operation.operationId, policyVersion: policy, cached: allCached, layers: results }, timestamp }
        : { valid, layer, errors: v?.errors ?? [], warnings: [...warnings, ...(v?.warnings ?? [])], metadata: v?.metadata ?? {}, timestamp }
      const { operation } = input
      history.record({
        operationId: operation.operationId, check, actor: operation.actor, type: operation.type, target: operation.target, valid, layer,
        ...(valid ? {} : { errorType: result.errors[0]?.type, message: result.errors[0]?.message }),
        cached: allCached, policyVersion: policy, results: valid ? results : [...results, result], timestamp
      })
      if (valid) { counts.accepted++; return result }
      counts.rejected++
      counts.rejectedBy[layer]++
      throw new ValidationFailedError(result, { operationId: operation.operationId, check, ...(v?.retryAfterMs != null ? { retryAfterMs: v.retryAfterMs } : {}) })
    }

    let entry = cache.get(input.opHash)
    if (entry == null || entry.policy !== policy) {
      entry = { policy, verdicts: new Map() }
      cache.set(input.opHash, entry)
    }
    const { verdicts } = entry
    for (const layer of ordered) {
      const key = `${layer.name}|${layer.scope?.(input) ?? input.step?.step.id ?? ''}|${input.peerKey ?? ''}`
      let v = verdicts.get(key)
      if (v != null && (v.validUntil ?? Infinity) <= input.now) { verdicts.delete(key); v = undefined }
      if (v == null) {
        lookups.misses++
        allCached = false
        try { v = await layer.check(input) } catch (err) { v = toIssueVerdict(layer.name, err) }
        if (v.errors.length > 0) return finish(false, layer.name, v)
        verdicts.set(key, v)
      } else {
        lookups.hits++
      }
      let gate: LayerVerdict | undefined
      try { gate = layer.gate?.(input) } catch (err) { gate = toIssueVerdict(layer.name, err) }
      if (gate != null && gate.errors.length > 0) return finish(false, layer.name, gate)
      const layerWarnings = gate == null || gate.warnings.length === 0 ? v.warnings : [...v.warnings, ...gate.warnings]
      warnings.push(...layerWarnings)
      results.push({ valid: true, layer: layer.name, errors: [], warnings: layerWarnings, metadata: v.metadata, timestamp })
    }
    for (let i = ordered.length - 1; i >= 0; i--) {
      try { ordered[i].commit?.(input) } catch (err) { return finish(false, ordered[i].name, toIssueVerdict(ordered[i].name, err)) }
    }
    return finish(true, 'qerberos')
  }

  function inputOf (operation: Operation, rest: Pick<LayerInput, 'flow' | 'step' | 'mode' | 'vouchers' | 'peerKey'>): LayerInput | MalformedError {
    let digest: OperationDigest
    try {
      digest = operationDigest(operation)
    } catch (err) {
      return new MalformedError('operation_unencodable', `the operation cannot be encoded: ${(err as Error).message}`)
    }
    return { operation, opHash: digest.hash, payloadCid: digest.payloadCid, payloadSize: digest.payloadSize, ...rest, now: clock.now() }
  }

  async function start (operation: Operation, rest: Pick<LayerInput, 'flow' | 'step' | 'mode' | 'vouchers' | 'peerKey'>, check: string, signal?: AbortSignal): Promise<ValidationResult> {
    signal?.throwIfAborted()
    const input = inputOf(operation, rest)
    if (input instanceof MalformedError) {
      const result: ValidationResult = { valid: false, layer: 'qlock', errors: [{ code: input.code, type: input.type, message: input.message }], warnings: [], metadata: {}, timestamp: new Date(clock.now()).toISOString() }
      counts.validations++; counts.rejected++; counts.rejectedBy.qlock++
      throw new ValidationFailedError(result, { operationId: String(operation?.operationId), check })
    }
    return await run(input, check)
  }

  return {
    async validate (operation, context = {}, options = {}) {
      return await start(operation, { flow: context.flow, mode: 'admit' }, 'validate', options.signal)
    },
    async validateStep (step, context, options = {}) {
      const params = context.params ?? step.params
      const vouchers = context.vouchers != null && context.vouchers.length > 0 ? [...context.vouchers] : undefined
      const peer = vouchers != null ? { vouchers, peerKey: peerKeyOf(context.flow, step, params, vouchers) } : {}
      const result = await start(context.operation, { flow: context.flow, mode: 'step', step: { step, params }, ...peer }, `step:${step.id}`, options.signal)
      return { ...result, stepId: step.id }
    },
    getValidationHistory: async (operationId) => await history.list(operationId),
    policyVersion,
    metrics: () => {
      const total = lookups.hits + lookups.misses
      return { ...counts, rejectedBy: { ...counts.rejectedBy }, cache: { hits: lookups.hits, misses: lookups.misses, hitRate: total === 0 ? 0 : lookups.hits / total, size: cache.size } }
    }
  }
}

/** A digest of what came with an operation admitted elsewhere (plain data: it came off the wire or out of a record). */
function peerKeyOf (flow: unknown, step: FlowStep, params: Record<string, unknown>, vouchers: readonly string[]): string {
  return bytesToHex(sha256(utf8ToBytes(JSON.stringify([flow, step, params, vouchers]))))
}

/**
 * The `operation` field of the start and trigger bodies: a start operation signed by its actor
 * elsewhere (`signStart` in `src/trust/pipeline/admission.ts`; the shape of `Operation` in
 * `shared/trust.ts`). The schema checks the shape only (a malformed one is a 400 naming the
 * field); the signature, nonce, timestamp, grants and binding to the execution are checked by
 * the runtime's admission (a refusal is a 4xx from the trust error, at path `operation`).
 */
import { z } from 'zod'
import type { Operation, SignedGrant } from '../../shared/trust.js'

const text = (max: number): z.ZodString => z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }).max(max, { error: `must be at most ${max} characters` })
const epochMs = z.number({ error: 'must be a number (epoch milliseconds)' }).int({ error: 'must be an integer (epoch milliseconds)' })

/** A signed capability grant, with the grant it derives from in `proof` (at most 32 deep is checked by Qonsent). */
export const GrantSchema: z.ZodType<SignedGrant> = z.lazy(() => z.strictObject({
  issuer: text(256),
  audience: text(256),
  resource: text(1024),
  action: text(256),
  expiry: epochMs,
  notBefore: epochMs.optional(),
  nonce: text(64),
  proof: GrantSchema.optional(),
  signature: text(256)
}, { error: 'must be a signed grant { issuer, audience, resource, action, expiry, nonce, signature }' }))

export const EnvelopeSchema = z.strictObject({
  actor: text(256),
  type: z.literal('flow-execution', { error: 'must be "flow-execution"' }),
  target: text(512),
  payloadHash: text(128),
  nonce: text(64),
  timestamp: epochMs,
  signature: text(256)
}, { error: 'must be the signed envelope { actor, type, target, payloadHash, nonce, timestamp, signature }' })

/**
 * `flow` (the CID of the flow definition, `flowCid`) is optional here so that a start signed
 * without it gets the trust layer's refusal (`admission_unbound`, 403), the same on every path.
 */
export const StartPayloadSchema = z.strictObject({
  flowId: text(512),
  flow: text(256).optional(),
  executionId: text(128),
  input: text(256),
  parent: text(128).optional()
}, { error: 'must be the start payload { flowId, flow, executionId, input }' })

export const OperationSchema = z.strictObject({
  operationId: text(256),
  type: z.literal('flow-execution', { error: 'must be "flow-execution": only a start operation starts an execution' }),
  actor: text(256),
  target: text(512),
  payload: StartPayloadSchema,
  context: z.strictObject({
    daoSubnet: text(256).optional(),
    grants: z.array(GrantSchema, { error: 'must be a list of signed grants' }).max(32, { error: 'must hold at most 32 grants' }).optional(),
    executionId: text(128).optional()
  }, { error: 'must be an object { daoSubnet?, grants?, executionId? }' }),
  envelope: EnvelopeSchema
}, { error: 'must be a signed start operation { operationId, type, actor, target, payload, context, envelope } (see signStart)' })

/** What the schema yields is an `Operation` (the start payload is one kind of payload). */
export function asOperation (parsed: z.infer<typeof OperationSchema>): Operation {
  return parsed as unknown as Operation
}

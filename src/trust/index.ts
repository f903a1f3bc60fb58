/**
 * Trust: sQuid identities, signed operation envelopes, capability grants, and the validation
 * pipeline Qlock → Qonsent → Qindex → Qerberos.
 */
export * from './errors.js'
export * from './encoding.js'
export * from './identity/index.js'
export * from './envelope.js'
export * from './replay-cache.js'
export * from './grants/index.js'
export * from './operation.js'
export * from './sealed-payload.js'
export * from './pipeline/index.js'
export * from './pipeline/admission-control.js'
export * from './dao/index.js'
export * from './audit/index.js'
export * from './flow-steps.js'

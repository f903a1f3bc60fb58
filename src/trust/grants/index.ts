/** Capability grants: issuing, delegating (UCAN-style chains), verifying, revoking. */
export * from './capability.js'
export * from './grant.js'
export * from './chain.js'
export * from './revocations.js'
export * from './needs.js'
export * from './authority.js'

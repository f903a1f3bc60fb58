/** DAO governance: signed, versioned subnet policies; member votes approving code (k of n). */
export * from './policy.js'
export * from './registry.js'

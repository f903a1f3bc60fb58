/** The audit trail: a hash-linked, signed log of validations on IPFS blocks. */
export * from './log.js'
export * from './audited-history.js'

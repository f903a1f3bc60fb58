/**
 * The trust store: the DAO registry and the audit log kept across restarts on any
 * blockstore + datastore pair (one LevelDB, `trust.ldb`, in `node/platform/trust-store.ts`;
 * memory stores in tests). Signed documents are dag-cbor blocks named by their CID and
 * re-verified when read; the datastore only holds pointers to them (`keys.ts`).
 */
export * from './errors.js'
export * from './blocks.js'
export * from './keys.js'
export * from './proposal.js'
export * from './policy-signing.js'
export * from './dao-store.js'
export * from './audit-store.js'

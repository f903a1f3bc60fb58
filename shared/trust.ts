/**
 * Trust contracts that cross process and wire boundaries as data: signed operation
 * envelopes, capability grants and their revocations, passphrase-encrypted key files, and the
 * seed's validation pipeline models (`Operation`, `ValidationResult`).
 *
 * Every field is a string, a number, a boolean or a plain object of those, so each shape
 * travels as JSON or dag-cbor unchanged. Binary values are base64url strings (no padding).
 * Signatures are Ed25519 over a domain-separated dag-cbor encoding of the unsigned fields
 * (see `src/trust/encoding.ts`).
 */
import type { ErrorType } from './errors.js'
import type { FlowDefinition } from './flow.js'

/** An sQuid identity id: `did:key:z6Mk…` (multicodec ed25519-pub 0xed01, base58btc). */
export type SquidId = string

export const OPERATION_TYPES = ['flow-execution', 'step-execution', 'external-event'] as const
export type OperationType = typeof OPERATION_TYPES[number]

/** What an actor signs: who does what to which target, with which payload, when. */
export interface UnsignedEnvelope {
  actor: SquidId
  type: OperationType
  /** The flow id for `flow-execution`, `<executionId>/<stepId>` for `step-execution`, an event name… */
  target: string
  /** CIDv1 (dag-cbor, sha2-256) of the payload, base32: `bafyrei…`. */
  payloadHash: string
  /** 16 random bytes, base64url: unique per actor within the skew window */
  nonce: string
  /** Epoch milliseconds when it was signed (an integer). */
  timestamp: number
}

export interface SignedEnvelope extends UnsignedEnvelope {
  /** Ed25519 signature (64 bytes, base64url) by `actor` over the unsigned fields. */
  signature: string
}

/**
 * A capability: `audience` may perform `action` on `resource` until `expiry`, on the authority
 * of `issuer`. A delegated grant embeds the grant it derives from in `proof` (UCAN-style): its
 * issuer must be that grant's audience and it can only narrow it (resource, action, expiry).
 * `resource` and `action` may end in `*` (a prefix) or be `*` (anything).
 */
export interface UnsignedGrant {
  issuer: SquidId
  audience: SquidId
  /** e.g. `flow:hello-world`, `http:api.example.com`, `http:*`, `*` */
  resource: string
  /** e.g. `execute`, `use`, `*` */
  action: string
  /** Epoch milliseconds after which the grant is void. */
  expiry: number
  /** Epoch milliseconds before which the grant is not yet valid. */
  notBefore?: number
  /** 16 random bytes, base64url: makes two otherwise equal grants distinct (and separately revocable). */
  nonce: string
  proof?: SignedGrant
}

export interface SignedGrant extends UnsignedGrant {
  signature: string
}

/** Voids a grant (by its id, the CID of the signed grant); signed by an issuer in the grant's chain. */
export interface UnsignedRevocation {
  issuer: SquidId
  grant: string
  timestamp: number
}

export interface SignedRevocation extends UnsignedRevocation {
  signature: string
}

/** A private key at rest, encrypted with a key derived from a passphrase. */
export interface KeyFile {
  type: 'qflow-identity'
  v: 1
  id: SquidId
  /** Raw 32-byte Ed25519 public key, base64url. */
  publicKey: string
  name?: string
  createdAt: number
  kdf: { name: 'pbkdf2', hash: 'SHA-256', iterations: number, salt: string } |
  { name: 'scrypt', N: number, r: number, p: number, salt: string }
  /** AES-256-GCM over the 32-byte seed; the additional data is the id, so a file cannot be relabelled. */
  cipher: { name: 'aes-256-gcm', iv: string }
  ciphertext: string
}

export const VALIDATION_LAYERS = ['qlock', 'qonsent', 'qindex', 'qerberos'] as const
export type ValidationLayerName = typeof VALIDATION_LAYERS[number]

/** One reason a layer rejects: a machine code (`signature_invalid`, `grant_expired`…) and a sentence. */
export interface ValidationIssue {
  code: string
  message: string
  type: ErrorType
  path?: string
}

export interface ValidationWarning {
  code: string
  message: string
}

/** The seed's `ValidationResult`, one per layer (and one for the whole pipeline). */
export interface ValidationResult {
  valid: boolean
  layer: ValidationLayerName
  errors: ValidationIssue[]
  warnings: ValidationWarning[]
  metadata: Record<string, unknown>
  /** ISO 8601 */
  timestamp: string
}

/** Sent by the client next to the signed operation; not covered by the signature. */
export interface OperationContext {
  daoSubnet?: string
  /** Capability grants the actor presents (leaf audience = actor). */
  grants?: SignedGrant[]
  /** The execution this operation starts or belongs to. */
  executionId?: string
}

/** The seed's `Operation`, with the actor's signed envelope. */
export interface Operation {
  operationId: string
  type: OperationType
  actor: SquidId
  target: string
  /** Anything dag-cbor can encode; for private and dao-only flows a `SealedPayload`. */
  payload: unknown
  context: OperationContext
  envelope: SignedEnvelope
}

/** A Qlock envelope in JSON form (the state store's `{ v, keyId, iv, ct }`, bytes as base64url). */
export interface SealedPayload {
  v: 1
  keyId: string
  iv: string | Uint8Array
  ct: string | Uint8Array
}

/** One validation of one operation, as kept by the validation history. */
export interface ValidationHistoryEntry {
  operationId: string
  /** `validate` (admission) or `step:<stepId>` */
  check: string
  actor: SquidId
  type: OperationType
  target: string
  valid: boolean
  /** The failing layer, or the last one when valid. */
  layer: ValidationLayerName
  errorType?: ErrorType
  message?: string
  cached: boolean
  policyVersion: string
  results: ValidationResult[]
  timestamp: string
}

/** A DAO subnet's policy: who belongs, who governs, what may run. Content-addressed (CID of its dag-cbor), versioned. */
export interface DaoPolicy {
  subnet: string
  /** 1 for the genesis policy, then +1 per change. */
  version: number
  /** CID of the previous version (absent for version 1). */
  prev?: string
  members: SquidId[]
  admins: SquidId[]
  /** Admin signatures a policy needs: a change must be signed by this many admins of the previous version. */
  adminQuorum: number
  /** Action patterns the subnet's flows may call (`qflow.action.*`). */
  allowedActions: string[]
  /** Host patterns per action (`qflow.action.http`: [`api.example.com`, `*.example.org`]). */
  allowedHosts: Record<string, string[]>
  /** Caps on step `resourceLimits` (`maxMemoryMB`, `maxExecutionTimeMs`, …). */
  resourceCaps: Record<string, number>
  /** Code (module and function) CIDs approved outright. */
  codeWhitelist: string[]
  /** Member votes that approve a new code CID (k of the n members). */
  approvalQuorum: number
  issuedAt: number
}

export interface PolicySignature {
  signer: SquidId
  signature: string
}

export interface SignedDaoPolicy {
  policy: DaoPolicy
  signatures: PolicySignature[]
}

/** A member's vote to approve code `cid` in `subnet`, under policy version `policy` (its CID). */
export interface UnsignedDaoVote {
  subnet: string
  cid: string
  voter: SquidId
  policy: string
  timestamp: number
}

export interface SignedDaoVote extends UnsignedDaoVote {
  signature: string
}

/** One link of the audit log: a validated (or rejected) operation, signed by the node that validated it. */
export interface UnsignedAuditEntry extends Pick<ValidationHistoryEntry, 'operationId' | 'check' | 'actor' | 'type' | 'target' | 'valid' | 'layer' | 'errorType'> {
  seq: number
  /** CID of the previous entry (null for the first). */
  prev: string | null
  at: number
  signer: SquidId
}

export interface SignedAuditEntry extends UnsignedAuditEntry {
  signature: string
}

/**
 * What a step attempt carries of its execution's admission, so whichever node runs or
 * coordinates it can re-run the validation pipeline (`validateStep`) against it: the admitted
 * `flow-execution` operation (signed by its actor), the flow it was admitted for, and the node
 * that admitted it (its sQuid id; see "Peer authority" in src/trust/ARCHITECTURE.md).
 */
export interface StepAdmission {
  operation: Operation
  /** The flow definition; the operation's payload signs its CID (`flowCid`), so a receiver checks it before use. */
  flow: FlowDefinition
  /** The node (sQuid id) that admitted the execution with `pipeline.validate`. */
  admittedBy?: SquidId
}

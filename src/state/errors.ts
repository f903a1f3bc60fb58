/**
 * Storage errors. Every integrity or decryption failure names the record it concerns
 * (`record`: kind, execution/flow id, CID) and is never answered with plaintext or a guess.
 * Branch on `err.name`, not `instanceof` (errors cross Worker and wire boundaries).
 */

export type RecordKind = 'log' | 'snapshot' | 'flow' | 'output' | 'execution' | 'key' | 'keyring' | 'car' | 'block' | 'journal'

/** Names one stored record: what it is, whose it is, and its block CID when it is a block. */
export interface RecordRef {
  kind: RecordKind
  /** Execution id (log, snapshot, output, execution), flow id (flow) or key id (key). */
  id?: string
  cid?: string
}

const NOUNS: Record<RecordKind, string> = {
  log: 'log block',
  snapshot: 'snapshot block',
  flow: 'flow version',
  output: 'large output block',
  execution: 'execution record',
  key: 'data key',
  keyring: 'keyring',
  car: 'CAR file',
  block: 'block',
  journal: 'journal entry'
}

const OWNERS: Partial<Record<RecordKind, string>> = {
  log: 'execution', snapshot: 'execution', output: 'execution', execution: 'execution', flow: 'flow'
}

/** "log block bafy… of execution exec-1" */
export function describeRecord (ref: RecordRef): string {
  let out = NOUNS[ref.kind]
  if (ref.cid != null) out += ` ${ref.cid}`
  if (ref.id != null) out += OWNERS[ref.kind] != null ? ` of ${OWNERS[ref.kind]} ${ref.id}` : ` ${ref.id}`
  return out
}

abstract class RecordError extends Error {
  readonly record: RecordRef
  constructor (record: RecordRef, message: string, cause?: unknown) {
    super(message, cause == null ? undefined : { cause })
    this.record = record
  }
}

/** A sealed payload failed AES-GCM authentication (tampered ciphertext, or the wrong key). */
export class DecryptionError extends RecordError {
  static override readonly name = 'DecryptionError'
  constructor (record: RecordRef, reason = 'authentication failed (tampered data or wrong key)', cause?: unknown) {
    super(record, `cannot decrypt ${describeRecord(record)}: ${reason}`, cause)
    this.name = 'DecryptionError'
  }
}

/** Stored bytes do not hash to their CID, or a block does not have the expected shape. */
export class IntegrityError extends RecordError {
  static override readonly name = 'IntegrityError'
  constructor (record: RecordRef, reason: string) {
    super(record, `integrity check failed for ${describeRecord(record)}: ${reason}`)
    this.name = 'IntegrityError'
  }
}

/** A block a pointer or link names is not in the blockstore. */
export class MissingBlockError extends RecordError {
  static override readonly name = 'MissingBlockError'
  constructor (record: RecordRef, cause?: unknown) {
    super(record, `missing ${describeRecord(record)}`, cause)
    this.name = 'MissingBlockError'
  }
}

/** A record was sealed with a key id the keyring does not hold. */
export class KeyNotFoundError extends RecordError {
  static override readonly name = 'KeyNotFoundError'
  constructor (keyId: string, record?: RecordRef) {
    super(record ?? { kind: 'key', id: keyId },
      record == null ? `unknown data key ${keyId}` : `cannot decrypt ${describeRecord(record)}: the keyring has no key ${keyId}`)
    this.name = 'KeyNotFoundError'
  }
}

/** The master key or passphrase given at init does not unlock the keyring on disk. */
export class WrongKeyError extends RecordError {
  static override readonly name = 'WrongKeyError'
  constructor (reason = 'the master key or passphrase does not unlock this keyring') {
    super({ kind: 'keyring' }, `wrong key: ${reason}`)
    this.name = 'WrongKeyError'
  }
}

/** An imported history diverges from the local one (neither head descends from the other). */
export class ImportConflictError extends RecordError {
  static override readonly name = 'ImportConflictError'
  constructor (record: RecordRef, reason: string) {
    super(record, `cannot import ${describeRecord(record)}: ${reason}`)
    this.name = 'ImportConflictError'
  }
}

export class StoreClosedError extends Error {
  static override readonly name = 'StoreClosedError'
  constructor (message = 'the state store is closed') {
    super(message)
    this.name = 'StoreClosedError'
  }
}

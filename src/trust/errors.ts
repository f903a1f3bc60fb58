/**
 * Trust failures. Each is a `StepError` carrying the seed's ErrorType and a machine `code`
 * (`signature_invalid`, `nonce_reused`, …), so it classifies the same way after crossing a
 * worker or the wire; callers branch on `err.name` or `err.code`, never on `instanceof`.
 */
import { ErrorType } from '../../shared/errors.js'
import type { ValidationLayerName, ValidationResult } from '../../shared/trust.js'
import { StepError } from '../errors.js'

/** Base of every trust failure: `code` says which check failed. */
export class TrustError extends StepError {
  static override readonly name: string = 'TrustError'
  readonly code: string

  constructor (type: ErrorType, code: string, message: string, details: Record<string, unknown> = {}, options: { retryable?: boolean, cause?: unknown } = {}) {
    super(type, message, { retryable: options.retryable ?? false, details: { code, ...details }, cause: options.cause })
    this.name = 'TrustError'
    this.code = code
  }
}

/** Malformed data: not an envelope, grant, did:key or key file; a payload that does not match its hash. */
export class MalformedError extends TrustError {
  static override readonly name = 'MalformedError'
  constructor (code: string, message: string, details: Record<string, unknown> = {}) {
    super(ErrorType.VALIDATION_ERROR, code, message, details)
    this.name = 'MalformedError'
  }
}

/** A signature that does not verify under the claimed identity's key (forged, tampered, or signed by another key). */
export class InvalidSignatureError extends TrustError {
  static override readonly name = 'InvalidSignatureError'
  constructor (message: string, details: Record<string, unknown> = {}) {
    super(ErrorType.PERMISSION_DENIED, 'signature_invalid', message, details)
    this.name = 'InvalidSignatureError'
  }
}

/** A nonce seen before within the skew window */
export class ReplayError extends TrustError {
  static override readonly name = 'ReplayError'
  constructor (message: string, details: Record<string, unknown> = {}) {
    super(ErrorType.PERMISSION_DENIED, 'nonce_reused', message, details)
    this.name = 'ReplayError'
  }
}

/** A timestamp further from this node's clock than the allowed skew. */
export class ClockSkewError extends TrustError {
  static override readonly name = 'ClockSkewError'
  constructor (message: string, details: Record<string, unknown> = {}) {
    super(ErrorType.PERMISSION_DENIED, 'timestamp_skew', message, details)
    this.name = 'ClockSkewError'
  }
}

/** A capability that is missing, expired, revoked, or delegated beyond its issuer's rights. */
export class PermissionDeniedError extends TrustError {
  static override readonly name = 'PermissionDeniedError'
  constructor (code: string, message: string, details: Record<string, unknown> = {}) {
    super(ErrorType.PERMISSION_DENIED, code, message, details)
    this.name = 'PermissionDeniedError'
  }
}

/** A passphrase that does not open a key file or keystore. */
export class WrongPassphraseError extends TrustError {
  static override readonly name = 'WrongPassphraseError'
  constructor (message = 'wrong passphrase: the key file does not decrypt') {
    super(ErrorType.PERMISSION_DENIED, 'wrong_passphrase', message)
    this.name = 'WrongPassphraseError'
  }
}

export class IdentityNotFoundError extends TrustError {
  static override readonly name = 'IdentityNotFoundError'
  constructor (ref: string) {
    super(ErrorType.VALIDATION_ERROR, 'identity_not_found', `no identity '${ref}' in the keystore`, { ref })
    this.name = 'IdentityNotFoundError'
  }
}

export class IdentityExistsError extends TrustError {
  static override readonly name = 'IdentityExistsError'
  constructor (ref: string) {
    super(ErrorType.VALIDATION_ERROR, 'identity_exists', `an identity '${ref}' is already in the keystore`, { ref })
    this.name = 'IdentityExistsError'
  }
}

/** The private key lives in protected storage (a non-extractable CryptoKey) and cannot be exported. */
export class KeyNotExtractableError extends TrustError {
  static override readonly name = 'KeyNotExtractableError'
  constructor (id: string) {
    super(ErrorType.PERMISSION_DENIED, 'key_not_extractable', `the private key of ${id} is not extractable (platform-protected storage)`, { id })
    this.name = 'KeyNotExtractableError'
  }
}

/**
 * The validation pipeline rejected an operation: the first failing layer, its result and the
 * seed's ErrorType. Nothing the operation asked for has been executed.
 */
export class ValidationFailedError extends TrustError {
  static override readonly name = 'ValidationFailedError'
  readonly layer: ValidationLayerName
  readonly result: ValidationResult

  constructor (result: ValidationResult, context: { operationId: string, check: string, retryAfterMs?: number }) {
    const first = result.errors[0] ?? { code: 'rejected', type: ErrorType.VALIDATION_ERROR, message: 'rejected' }
    const retryable = context.retryAfterMs != null
    super(first.type, first.code, `${result.layer} rejected operation ${context.operationId} (${context.check}): ${first.message}`,
      { layer: result.layer, operationId: context.operationId, check: context.check, ...(retryable ? { retryAfterMs: context.retryAfterMs } : {}) },
      { retryable })
    this.name = 'ValidationFailedError'
    this.layer = result.layer
    this.result = result
  }
}

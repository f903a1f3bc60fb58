/**
 * Failures of the trust store: a document that is missing from the blockstore, or whose bytes
 * no longer hash to the CID it is stored under (altered on disk). Never trusted, never skipped.
 */
import { ErrorType } from '../../../shared/errors.js'
import { TrustError } from '../errors.js'

export class TrustStoreError extends TrustError {
  static override readonly name = 'TrustStoreError'
  constructor (code: 'block_missing' | 'block_tampered' | 'block_malformed', message: string, details: Record<string, unknown> = {}) {
    super(ErrorType.VALIDATION_ERROR, code, message, details)
    this.name = 'TrustStoreError'
  }
}

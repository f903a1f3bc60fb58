/**
 * What a node signs for a gossiped record (announcement, lease): a domain line that says what the
 * record is, then its canonical dag-cbor, so a signature for one kind never verifies as another.
 */
import { concatBytes } from '../util/bytes.js'
import { compact, encodeCanonical } from '../trust/index.js'

export function domainBytes (domain: string, fields: Record<string, unknown>): Uint8Array {
  return concatBytes([new TextEncoder().encode(`${domain}\n`), encodeCanonical(compact(fields))])
}

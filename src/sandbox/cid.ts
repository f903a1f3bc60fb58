/**
 * Code identity: CIDv1, raw codec, sha256 (what Helia stores a raw block under). The CID of
 * a `function` step is the CID of its UTF-8 source; a WASM module's is the CID of its bytes.
 */
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'

const encoder = new TextEncoder()

export async function cidOf (bytes: Uint8Array): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(bytes))
}

export async function cidOfSource (source: string): Promise<CID> {
  return cidOf(encoder.encode(source))
}

/** The CID a string names, or undefined when it is not a CID (then it may be a template name). */
export function parseCid (value: string): CID | undefined {
  try {
    return CID.parse(value)
  } catch {
    return undefined
  }
}

/** True when `bytes` hash to `cid` (blocks fetched from peers are checked before use). */
export async function matchesCid (cid: CID, bytes: Uint8Array): Promise<boolean> {
  if (cid.multihash.code !== sha256.code) return false
  return (await cidOf(bytes)).multihash.bytes.every((b, i) => b === cid.multihash.bytes[i])
}

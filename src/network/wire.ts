/**
 * Framing of the dispatch protocol: one dag-cbor message per length-prefixed frame
 * (`lpStream` from @libp2p/utils, unsigned-varint lengths, 4 MiB cap).
 */
import * as dagCbor from '@ipld/dag-cbor'
import type { Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import type { DispatchMessage } from '../../shared/network.js'
import { ProtocolError } from './errors.js'

export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024
const KINDS = new Set(['request', 'accepted', 'heartbeat', 'refused', 'result', 'cancel'])

export interface MessageChannel {
  send(message: DispatchMessage, options?: { signal?: AbortSignal }): Promise<void>
  /** The next message; rejects when the stream ends, resets or `signal` aborts. */
  read(options?: { signal?: AbortSignal }): Promise<DispatchMessage>
  readonly stream: Stream
}

export function messageChannel (stream: Stream): MessageChannel {
  const lp = lpStream(stream, { maxDataLength: MAX_MESSAGE_BYTES })
  return {
    stream,
    async send (message, options = {}) {
      await lp.write(dagCbor.encode(message), options)
    },
    async read (options = {}) {
      const frame = await lp.read(options)
      let value: any
      try {
        value = dagCbor.decode(frame.subarray())
      } catch (err) {
        throw new ProtocolError(`dispatch message: not dag-cbor (${(err as Error).message})`)
      }
      if (value == null || typeof value !== 'object' || !KINDS.has(value.kind)) {
        throw new ProtocolError(`dispatch message.kind: must be one of ${[...KINDS].join(', ')}`)
      }
      if (typeof value.rid !== 'string' || value.rid === '') throw new ProtocolError('dispatch message.rid: must be a non-empty string')
      return value as DispatchMessage
    }
  }
}

/** Plain data only (dag-cbor refuses `undefined`): drops undefined object fields, keeps the rest. */
export function wireSafe (value: unknown): unknown {
  if (value === undefined) return null
  if (value == null || typeof value !== 'object') return typeof value === 'number' && !Number.isFinite(value) ? null : value
  if (value instanceof Uint8Array) return value
  if (Array.isArray(value)) return value.map(wireSafe)
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = wireSafe(v)
  return out
}

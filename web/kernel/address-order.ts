/**
 * The order a tab announces its addresses in. Peers dial the first announced address, and a
 * plain `/p2p-circuit` one would leave them on the relay's limited, relayed connection: the
 * `/webrtc` addresses (a direct connection, signalled through the relay) come first.
 */
import type { Multiaddr } from '@multiformats/multiaddr'

const isWebRTC = (ma: Multiaddr): boolean => ma.getComponents().some(c => c.name === 'webrtc')

/** WebRTC addresses first, the order otherwise kept. */
export function webrtcFirst (addrs: Multiaddr[]): Multiaddr[] {
  return [...addrs.filter(isWebRTC), ...addrs.filter(a => !isWebRTC(a))]
}

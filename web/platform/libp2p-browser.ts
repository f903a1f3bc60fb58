/**
 * The browser tab's libp2p parts: WebSockets to relays, WebRTC to other tabs through a relay's
 * circuit (STACK.md: listen on `/p2p-circuit` and `/webrtc`). `allowInsecureDial` opens ws:// and
 * loopback dials for dev and tests; production dials wss://.
 * The tab announces its `/webrtc` addresses first (`kernel/address-order.ts`).
 */
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import type { PrivateKey } from '@libp2p/interface'
import { webRTC, webRTCDirect } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p } from 'libp2p'
import { qflowLibp2pOptions } from '../../src/network/index.js'
import type { QflowLibp2p } from '../../src/network/index.js'
import { webrtcFirst } from '../kernel/address-order.js'

export interface BrowserLibp2pInit {
  privateKey: PrivateKey
  /** Default: `['/p2p-circuit', '/webrtc']`. */
  listen?: string[]
  allowInsecureDial?: boolean
}

export async function createBrowserLibp2p (init: BrowserLibp2pInit): Promise<QflowLibp2p> {
  const options = qflowLibp2pOptions({
    privateKey: init.privateKey,
    transports: [webSockets(), webRTC(), webRTCDirect(), circuitRelayTransport()],
    listen: init.listen ?? ['/p2p-circuit', '/webrtc'],
    ...(init.allowInsecureDial === true ? { connectionGater: { denyDialMultiaddr: () => false } } : {})
  })
  const addresses = options.addresses as { listen: string[] }
  return await createLibp2p({ ...options, addresses: { ...addresses, announceFilter: webrtcFirst } } as any) as unknown as QflowLibp2p
}

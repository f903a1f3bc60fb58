/** The relay's peer-to-peer settings from its config: `npm start` listens on 0.0.0.0:4001 by embedded default. */
import { describe, expect, it } from 'vitest'
import { DEFAULT_CONFIG, QflowConfigSchema } from '../../../shared/config.js'
import { relayNetworkInit } from '../../../node/relay/network.js'

describe('relay network settings', () => {
  it('listens with WebSockets on the embedded default 0.0.0.0:4001 with a circuit-relay server, subnet public', () => {
    const init = relayNetworkInit(DEFAULT_CONFIG)
    expect(init).toMatchObject({ listen: ['/ip4/0.0.0.0/tcp/4001/ws'], bootstrap: [], relay: true, subnets: ['public'], capabilities: [] })
  })

  it('takes host, port, bootstrap peers, subnets and capabilities from the config', () => {
    const config = QflowConfigSchema.parse({ networking: { host: '127.0.0.1', port: 0, bootstrap: ['/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWabc'], subnets: ['acme', 'beta'], capabilities: ['gpu', 'wasm'] } })
    expect(relayNetworkInit(config)).toMatchObject({
      listen: ['/ip4/127.0.0.1/tcp/0/ws'], bootstrap: ['/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWabc'], subnets: ['acme', 'beta'], capabilities: ['gpu', 'wasm']
    })
    const v6 = QflowConfigSchema.parse({ networking: { host: '::1', port: 4002 } })
    expect(relayNetworkInit(v6).listen).toEqual(['/ip6/::1/tcp/4002/ws'])
  })

  it('names a bad subnet list by its path', () => {
    const result = QflowConfigSchema.safeParse({ networking: { subnets: [] } })
    expect(result.success).toBe(false)
    expect(result.error?.issues.map(i => `${i.path.join('.')}: ${i.message}`)).toEqual(['networking.subnets: must name at least one subnet'])
  })
})

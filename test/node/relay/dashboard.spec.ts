/** The relay serves the dashboard build and names its own libp2p WebSocket addresses in the page. */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mountDashboard } from '../../../node/relay/dashboard.js'

const WS = '/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWRelay'
let root: string

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'qflow-web-'))
  await mkdir(join(root, 'assets'))
  await writeFile(join(root, 'index.html'), '<!doctype html><html><head><title>Qflow</title></head><body></body></html>')
  await writeFile(join(root, 'assets', 'app.js'), 'export {}')
})
afterAll(async () => { await rm(root, { recursive: true, force: true }) })

function app (relays?: () => string[]): Hono {
  const hono = new Hono()
  hono.get('/api/v1/ping', (c) => c.json({ pong: true }))
  mountDashboard(hono, root, relays)
  return hono
}

describe('the dashboard at /', () => {
  it('names the relay\'s WebSocket addresses in the page and in client-side routes', async () => {
    const hono = app(() => [WS, '/ip4/127.0.0.1/tcp/4002/p2p/12D3KooWRelay'])
    for (const path of ['/', '/index.html', '/flows/hello']) {
      const html = await (await hono.request(path)).text()
      expect(html).toContain(`<meta name="qflow:relays" content="${WS}" />`)
    }
  })

  it('serves the page unchanged without a network, assets as files, and leaves API paths and missing assets alone', async () => {
    const hono = app(() => [])
    expect(await (await hono.request('/')).text()).not.toContain('qflow:relays')
    expect(await (await hono.request('/assets/app.js')).text()).toBe('export {}')
    expect((await hono.request('/assets/missing.js')).status).toBe(404)
    expect(await (await hono.request('/api/v1/ping')).json()).toEqual({ pong: true })
  })
})

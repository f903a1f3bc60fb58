/**
 * The dashboard at `/`: the static build in `dist/web` (`npm run build`) when it exists, with
 * unknown page paths falling back to `index.html` (client-side routes); otherwise a small
 * page that says how to build it. API, WebSocket, probe and metrics paths are never touched.
 * The page names this relay's libp2p WebSocket addresses in `<meta name="qflow:relays">`, so a
 * tab opened from the relay joins the network through it without a `?relay=` parameter.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { serveStatic } from '@hono/node-server/serve-static'
import type { Context, Hono } from 'hono'

/** `dist/web` of this repository. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../dist/web', import.meta.url))

const RESERVED = /^\/(api|ws|health|metrics)(\/|$)/

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Qflow relay</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>Qflow relay</h1>
<p>The relay is running. Its API is under <code>/api/v1</code> (see <a href="/api/v1/openapi.json">the OpenAPI document</a>) and its probes under <code>/health</code>.</p>
<p>The dashboard has not been built: run <code>npm run build</code> in the Qflow checkout, then restart the relay to serve it here.</p>
</body></html>
`

/** Adds the dashboard's GET routes after the API's own (which take precedence). */
export function mountDashboard (app: Hono, webRoot: string = DEFAULT_WEB_ROOT, relays?: () => string[]): void {
  const built = existsSync(join(webRoot, 'index.html'))
  if (!built) {
    app.get('/', (c) => c.html(NOT_BUILT))
    return
  }
  const files = serveStatic({ root: webRoot })
  const html = readFileSync(join(webRoot, 'index.html'), 'utf8')
  const page = (c: Context): Response => {
    const addresses = relays?.().filter(a => a.includes('/ws/')) ?? []
    if (addresses.length === 0) return c.html(html)
    return c.html(html.replace('</head>', `  <meta name="qflow:relays" content="${escapeAttribute(addresses.join(','))}" />\n  </head>`))
  }
  app.get('*', async (c, next) => {
    if (RESERVED.test(c.req.path)) { await next(); return }
    if (c.req.path === '/' || c.req.path === '/index.html') return page(c)
    return await files(c, async () => {
      // a client-side route (no file extension) gets the app; a missing asset stays a 404
      if (/\.[a-z0-9]+$/i.test(c.req.path)) { await next(); return }
      c.res = page(c)
    })
  })
}

function escapeAttribute (text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;')
}

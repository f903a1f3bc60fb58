import { defineConfig } from 'vite'
import { playwright } from '@vitest/browser-playwright'
import solid from 'vite-plugin-solid'

/** Debian's Chromium (browser downloads are impossible on CI); flags keep it off the network. */
const chromium = playwright({
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync']
  }
})

/**
 * SolidJS for the dashboard's .tsx files, for builds and the dev server only: under vitest the
 * plugin would switch the node project to jsdom and to browser export conditions. The e2e specs
 * test the built app through Playwright instead.
 */
const dashboard = process.env.VITEST == null ? [solid()] : []

export default defineConfig({
  root: 'web',
  plugins: dashboard,
  build: { outDir: '../dist/web', emptyOutDir: true },
  // pre-bundled so the browser test project does not reload mid-run when it first meets them
  optimizeDeps: { include: ['jsonata', 'zod', 'yaml', '@ipld/car', '@ipld/dag-cbor', 'multiformats', 'blockstore-idb', 'datastore-idb', 'interface-datastore', 'quickjs-emscripten-core', '@jitl/quickjs-wasmfile-release-sync', '@bjorn3/browser_wasi_shim', 'wabt', '@noble/curves/ed25519.js', '@noble/hashes/scrypt.js', '@noble/hashes/sha2.js', 'multiformats/bases/base58', 'multiformats/bases/base64', 'multiformats/hashes/digest'] },
  test: {
    root: '.',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    reporters: ['default', './test/reporter/summary-line.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/**/*.spec.ts'],
          exclude: ['test/**/*.browser.spec.ts', 'node_modules/**']
        }
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/**/*.browser.spec.ts'],
          browser: {
            enabled: true,
            provider: chromium,
            headless: true,
            instances: [{ browser: 'chromium' }]
          }
        }
      }
    ]
  }
} as any)

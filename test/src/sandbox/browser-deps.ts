/**
 * Imported by the browser specs so Vite pre-bundles the sandbox worker's dependencies before
 * the first test: its dependency scan does not follow `new Worker(new URL(...))`, and
 * discovering them mid-run makes Vite reload the page (flaky on a clean clone). The better
 * fix is `optimizeDeps.include` with these names in vite.config.ts.
 */
import 'quickjs-emscripten-core'
import '@jitl/quickjs-wasmfile-release-sync'
import '@bjorn3/browser_wasi_shim'

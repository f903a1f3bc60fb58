// Bootstrap of the sandbox worker thread: loads the TypeScript entry through tsx, scoped to
// this import, so it works under vitest, tsx, and the `qflow` bin alike.
import { tsImport } from 'tsx/esm/api'

await tsImport('./thread-sandbox-worker.ts', import.meta.url)

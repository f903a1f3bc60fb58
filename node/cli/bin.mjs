#!/usr/bin/env node
// The `qflow` command: loads the TypeScript CLI through tsx (no build step needed).
import { register } from 'tsx/esm/api'

register()
// a closed pipe (`qflow ... | head`) must not kill the command before it closes its data directory
process.stdout.on('error', () => {})
process.stderr.on('error', () => {})
const { main } = await import('./main.ts')
process.exitCode = await main(process.argv)

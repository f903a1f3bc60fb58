#!/usr/bin/env node
// The `qflow` command: loads the TypeScript CLI through tsx (no build step needed).
import { register } from 'tsx/esm/api'

register()
const { main } = await import('./main.ts')
process.exitCode = await main(process.argv)

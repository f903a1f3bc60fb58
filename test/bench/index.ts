/**
 * `npm run bench`: one line per figure. Each suite measures on this machine, in one run.
 */
import { benchDurable } from './durable.js'
import { benchEngine } from './engine.js'
import { benchSandbox } from './sandbox.js'
import { benchState } from './state.js'
import { benchTrust } from './trust.js'

const suites: Array<[string, (print: (line: string) => void) => Promise<void>]> = [
  ['engine', benchEngine],
  ['state', benchState],
  ['durable', benchDurable],
  ['sandbox', benchSandbox],
  ['trust', benchTrust]
]

const only = process.argv.slice(2)
for (const [name, suite] of suites) {
  if (only.length > 0 && !only.includes(name)) continue
  await suite(line => { process.stdout.write(line + '\n') })
}
// worker pools and timers of the suites must not keep the process alive
process.exit(0)

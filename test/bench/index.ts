/**
 * `npm run bench`: one line per figure. Each suite measures on this machine, in one run.
 */
import { benchEngine } from './engine.js'

const suites: Array<[string, (print: (line: string) => void) => Promise<void>]> = [
  ['engine', benchEngine]
]

const only = process.argv.slice(2)
for (const [name, suite] of suites) {
  if (only.length > 0 && !only.includes(name)) continue
  await suite(line => { process.stdout.write(line + '\n') })
}

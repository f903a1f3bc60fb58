/**
 * `npm run bench [suite...]`: one line per figure. Each suite measures on this machine, in one
 * run; a suite's module is loaded only when it runs.
 */
type Suite = (print: (line: string) => void) => Promise<void>

const suites: Array<[string, () => Promise<Suite>]> = [
  ['engine', async () => (await import('./engine.js')).benchEngine],
  ['state', async () => (await import('./state.js')).benchState],
  ['durable', async () => (await import('./durable.js')).benchDurable],
  ['sandbox', async () => (await import('./sandbox.js')).benchSandbox],
  ['trust', async () => (await import('./trust.js')).benchTrust],
  ['relay', async () => (await import('./relay.js')).benchRelay],
  ['network', async () => (await import('./network.js')).benchNetwork],
  ['dashboard', async () => (await import('./dashboard.js')).benchDashboard]
]

const only = process.argv.slice(2)
const unknown = only.filter(name => !suites.some(([known]) => known === name))
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown suite ${unknown.join(', ')} (known: ${suites.map(([name]) => name).join(', ')})\n`)
  process.exit(2)
}
for (const [name, load] of suites) {
  if (only.length > 0 && !only.includes(name)) continue
  const suite = await load()
  await suite(line => { process.stdout.write(line + '\n') })
}
// worker pools and timers of the suites must not keep the process alive
process.exit(0)

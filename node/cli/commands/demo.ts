import { fileURLToPath } from 'node:url'
import type { Output } from '../io.js'
import { runCommand } from './run.js'

/** The demo flow `npm start` runs until the relay exists. */
export const DEMO_FLOW = fileURLToPath(new URL('../../../shared/examples/hello-world.yaml', import.meta.url))

export async function demoCommand (io: Output): Promise<number> {
  io.out(`Running the demo flow ${DEMO_FLOW} on an in-process Qflow node.\n`)
  return await runCommand(DEMO_FLOW, { inputJson: '{"name":"Qflow"}' }, io)
}

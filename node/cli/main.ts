/**
 * `qflow`: argument parsing; each verb lives in `commands/<verb>.ts`.
 */
import { Command, CommanderError } from 'commander'
import { builtinRegistry, FlowSyntaxError, InvalidFlowError } from '../../src/index.js'
import { demoCommand } from './commands/demo.js'
import { runCommand } from './commands/run.js'
import { validateCommand } from './commands/validate.js'
import { CliError, EXIT, stdio } from './io.js'
import type { Output } from './io.js'

export async function main (argv: string[], io: Output = stdio): Promise<number> {
  let code: number = EXIT.ok
  const program = new Command('qflow')
    .description('Qflow: serverless, peer-to-peer workflow automation')
    .exitOverride()
    .configureOutput({ writeOut: (s) => { io.out(s.trimEnd()) }, writeErr: (s) => { io.err(s.trimEnd()) } })

  program.command('validate <file>')
    .description('check a flow file (JSON or YAML): exit 0 when valid, 1 when not')
    .option('--json', 'print { valid, errors, warnings } as JSON')
    .action(async (file: string, options: { json?: boolean }) => { code = await validateCommand(file, options, builtinRegistry(), io) })

  program.command('run <file>')
    .description('run a flow on an in-process node and print its final state: exit 0 when completed')
    .option('--input <json-file>', 'input data from a JSON file')
    .option('--input-json <json>', 'input data as a JSON string')
    .option('--with <files...>', 'also register these flows (for qflow.module.flow calls)')
    .option('--json', 'print the ExecutionState as JSON')
    .action(async (file: string, options) => { code = await runCommand(file, options, io) })

  program.command('demo')
    .description('run the bundled demo flow')
    .action(async () => { code = await demoCommand(io) })

  try {
    await program.parseAsync(argv)
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage
    if (err instanceof CliError) {
      io.err(`qflow: ${err.message}`)
      return err.exitCode
    }
    if (err instanceof FlowSyntaxError || err instanceof InvalidFlowError) {
      io.err(`qflow: ${err.message}`)
      return EXIT.failed
    }
    io.err(`qflow: unexpected error: ${(err as Error).stack ?? String(err)}`)
    return EXIT.failed
  }
  return code
}

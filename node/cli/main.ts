/**
 * `qflow`: argument parsing; each verb lives in `commands/<verb>.ts`.
 */
import { Command, CommanderError } from 'commander'
import { builtinRegistry, FlowSyntaxError, InvalidFlowError } from '../../src/index.js'
import { exportCommand, importCommand, keysRotateCommand, pruneCommand } from './commands/archive.js'
import { demoCommand } from './commands/demo.js'
import { executionsCommand, restoreCommand, resumeCommand, statusCommand } from './commands/executions.js'
import { identityCommands } from './commands/identity.js'
import { daoCommands } from './commands/dao.js'
import { auditCommands } from './commands/audit.js'
import { runCommand } from './commands/run.js'
import { apiOptions, relayCommands, remoteResume, remoteStatus } from './remote.js'
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

  const dataOption = '--data <dir>'
  const dataHelp = 'data directory (default $QFLOW_DATA, else ./.qflow)'

  program.command('run <file>')
    .description('run a flow on an in-process node and print its final state: exit 0 when completed')
    .option('--input <json-file>', 'input data from a JSON file')
    .option('--input-json <json>', 'input data as a JSON string')
    .option('--with <files...>', 'also register these flows (for qflow.module.flow calls)')
    .option(dataOption, dataHelp)
    .option('--memory', 'keep nothing on disk')
    .option('--checkpoint-interval <ms>', 'checkpoint at most every <ms> (default 0: at every step boundary)')
    .option('--json', 'print the ExecutionState as JSON')
    .action(async (file: string, options) => { code = await runCommand(file, options, io) })

  program.command('executions')
    .description('list the executions in the data directory')
    .option(dataOption, dataHelp)
    .option('--active', 'only executions that have not ended')
    .option('--json', 'print JSON')
    .action(async (options) => { code = await executionsCommand(options, io) })

  // with --data: the local data directory in-process; without: the relay (--api)
  apiOptions(program.command('status <execution-id>')
    .description("an execution's state: on the relay, or with --data in a local data directory (with its checkpoints)")
    .option(dataOption, 'read this local data directory instead of asking the relay'))
    .action(async (id: string, options) => {
      code = options.data != null ? await statusCommand(id, options, io) : await remoteStatus(id, options, io)
    })

  apiOptions(program.command('resume <execution-id>')
    .description('resume a paused execution on the relay, or with --data an interrupted or paused one in a local data directory')
    .option(dataOption, 'resume in this local data directory (in-process) instead of on the relay')
    .option('--follow', '(relay) show progress live until the execution ends'))
    .action(async (id: string, options) => {
      code = options.data != null ? await resumeCommand(id, options, io) : await remoteResume(id, options, io)
    })

  program.command('restore <execution-id> <checkpoint-id>')
    .description('roll an execution back to a checkpoint and run on from there')
    .option(dataOption, dataHelp)
    .option('--json', 'print the ExecutionState as JSON')
    .action(async (id: string, checkpoint: string, options) => { code = await restoreCommand(id, checkpoint, options, io) })

  program.command('export <id>')
    .description('export an execution or a flow with its history as a CAR file')
    .option('--out <file.car>', 'where to write the CAR file')
    .option(dataOption, dataHelp)
    .action(async (id: string, options) => { code = await exportCommand(id, options, io) })

  program.command('import <file>')
    .description('import an execution or a flow from a CAR file')
    .option(dataOption, dataHelp)
    .action(async (file: string, options) => { code = await importCommand(file, options, io) })

  program.command('prune')
    .description('drop old finished executions and collect blocks nothing references')
    .option('--max-age <duration>', 'drop finished executions older than this (e.g. 30d, 12h)')
    .option('--max-count <n>', 'keep at most this many finished executions')
    .option(dataOption, dataHelp)
    .action(async (options) => { code = await pruneCommand(options, io) })

  program.command('keys')
    .description('encryption keys at rest')
    .command('rotate')
    .description('make a new key current and re-encrypt history under it')
    .option('--owner <id>', 'the identity or DAO subnet whose key rotates (default: local)')
    .option(dataOption, dataHelp)
    .action(async (options) => { code = await keysRotateCommand(options, io) })

  relayCommands(program, io, async (fn) => { code = await fn() })
  identityCommands(program, io)
  daoCommands(program, io)
  auditCommands(program, io)

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
    const name = (err as Error | undefined)?.name
    const known = ['NotFoundError', 'InvalidStateError', 'KeyNotFoundError', 'DecryptionError', 'IntegrityError', 'WrongKeyError', 'MissingBlockError', 'ImportConflictError']
    if (err instanceof FlowSyntaxError || err instanceof InvalidFlowError || (name != null && known.includes(name))) {
      io.err(`qflow: ${(err as Error).message}`)
      return EXIT.failed
    }
    io.err(`qflow: unexpected error: ${(err as Error).stack ?? String(err)}`)
    return EXIT.failed
  }
  return code
}

/**
 * The commands that talk to a relay (`--api <url>`, default `$QFLOW_API`, else
 * http://127.0.0.1:8080; the token from `--token`, `$QFLOW_TOKEN`, else `<data dir>/owner.token`),
 * and `qflow relay` itself.
 *
 * `status` and `resume` also exist for a local data directory: with `--data <dir>` they open
 * that directory in-process (the relay must not be running on it); without, they ask the relay.
 */
import type { Command } from 'commander'
import { controlCommand, logsCommand, remoteStatusCommand, startCommand } from './commands/remote-executions.js'
import { createCommand, deleteCommand, listCommand, showCommand, updateCommand } from './commands/remote-flows.js'
import { healthCommand, metricsCommand, nodesCommand } from './commands/remote-system.js'
import type { Output } from './io.js'

type Run = (fn: () => Promise<number>) => Promise<void>

/** Adds `--api`, `--token` and `--json`. */
export function apiOptions (cmd: Command): Command {
  return cmd
    .option('--api <url>', 'the relay (default $QFLOW_API, else http://127.0.0.1:8080)')
    .option('--token <token>', 'bearer token (default $QFLOW_TOKEN, else the owner token in $QFLOW_DATA/owner.token or ./.qflow/owner.token)')
    .option('--json', 'print JSON')
}

export function relayCommands (program: Command, io: Output, run: Run): void {
  program.command('relay')
    .description('start a relay: the API, schedules and the dashboard (prints one JSON line when ready; stops on SIGINT/SIGTERM)')
    .option('--data <dir>', 'data directory (default $QFLOW_DATA, else ./.qflow)')
    .option('--memory', 'keep nothing on disk (ephemeral relay; its owner token is printed in the ready line)')
    .option('--host <host>', 'API listen address (default 127.0.0.1)')
    .option('--port <port>', 'API port (default 8080; 0 picks a free one)')
    .option('--p2p-port <port>', 'libp2p WebSocket port (default 4001)')
    .option('--bootstrap <multiaddr...>', 'peers to dial at start')
    .option('--config <file>', 'config file (default $QFLOW_CONFIG, else ./qflow-config.yaml when present)')
    .option('--log-level <level>', 'fatal, error, warn, info (default), debug, trace or silent')
    .option('--log-file <file>', 'append JSON log lines here instead of stderr')
    .option('--missed-ticks <policy>', 'schedule ticks missed while down: latest (default), all or none')
    // loaded on use: the relay pulls in the API server, which the other commands do not need
    .action(async (options) => { await run(async () => await (await import('./commands/relay.js')).relayCommand(options, io)) })

  apiOptions(program.command('create <file>').description('create a flow on the relay from a JSON or YAML file'))
    .action(async (file: string, options) => { await run(async () => await createCommand(file, options, io)) })
  apiOptions(program.command('list').description("list the relay's flows"))
    .option('--tag <tag>', 'only flows with this tag')
    .option('--category <category>', 'only flows of this category')
    .option('--owner <id>', 'only flows of this owner')
    .option('--visibility <visibility>', 'public, private or dao-only')
    .action(async (options) => { await run(async () => await listCommand(options, io)) })
  apiOptions(program.command('show <flow-id>').description('show a flow, its steps and versions'))
    .action(async (id: string, options) => { await run(async () => await showCommand(id, options, io)) })
  apiOptions(program.command('update <flow-id> <file>').description('store a new version of a flow'))
    .action(async (id: string, file: string, options) => { await run(async () => await updateCommand(id, file, options, io)) })
  apiOptions(program.command('delete <flow-id>').description('delete a flow (every version)'))
    .action(async (id: string, options) => { await run(async () => await deleteCommand(id, options, io)) })

  apiOptions(program.command('start <flow-id>').description('start an execution on the relay; prints its id (or follows it with --follow)'))
    .option('--context <file>', 'JSON or YAML: { inputData, variables }, or the input data itself')
    .option('--input-json <json>', 'input data as a JSON string (merged over --context)')
    .option('--follow', 'show progress live until the execution ends; exit 0 when it completed')
    .option('--sign-as <identity>', 'sign the start here as this keystore identity (name or did): the relay admits the execution as it (the token must be its own)')
    .option('--grants <file>', 'with --sign-as: JSON or YAML signed grant(s) to present (e.g. for the flow\'s requiredPermissions)')
    .option('--keystore <dir>', 'with --sign-as: keystore directory (default $QFLOW_KEYSTORE, else <data dir>/identities)')
    .option('--passphrase-env <var>', 'with --sign-as: environment variable holding the keystore passphrase (default QFLOW_PASSPHRASE)')
    .option('--passphrase-file <file>', 'with --sign-as: read the keystore passphrase from this file')
    .action(async (id: string, options) => { await run(async () => await startCommand(id, options, io)) })
  apiOptions(program.command('logs <execution-id>').description("an execution's events; --follow streams them until it ends"))
    .option('--follow', 'keep streaming until the execution ends; exit 0 when it completed')
    .action(async (id: string, options) => { await run(async () => await logsCommand(id, options, io)) })
  apiOptions(program.command('pause <execution-id>').description('pause an execution on the relay'))
    .action(async (id: string, options) => { await run(async () => await controlCommand('pause', id, options, io)) })
  apiOptions(program.command('abort <execution-id>').description('abort an execution on the relay'))
    .option('--reason <text>', 'recorded with the abort')
    .action(async (id: string, options) => { await run(async () => await controlCommand('abort', id, options, io)) })

  apiOptions(program.command('nodes').description('the peers the relay knows'))
    .action(async (options) => { await run(async () => await nodesCommand(options, io)) })
  apiOptions(program.command('health').description("the relay's health; exit 0 when ok"))
    .action(async (options) => { await run(async () => await healthCommand(options, io)) })
  apiOptions(program.command('metrics').description("the relay's system metrics"))
    .action(async (options) => { await run(async () => await metricsCommand(options, io)) })
}

/** `status` / `resume` on the relay (no `--data`). */
export async function remoteStatus (id: string, options: Parameters<typeof remoteStatusCommand>[1], io: Output): Promise<number> {
  return await remoteStatusCommand(id, options, io)
}

export async function remoteResume (id: string, options: Parameters<typeof controlCommand>[2], io: Output): Promise<number> {
  return await controlCommand('resume', id, options, io)
}

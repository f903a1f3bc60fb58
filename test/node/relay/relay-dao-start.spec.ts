/**
 * Through a real relay process: alice signs her start client-side (`qflow start --sign-as`: the
 * CLI fetches the flow and signs its CID with the execution) and the relay admits it as her (the execution's admission and the signed audit log name her); a
 * replayed operation, bob's operation on alice's token, and a flow needing a permission alice
 * holds no grant for are refused and start nothing; `qflow dao-subnets` lists, through the
 * API, the subnets each token's identity may see.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fileTokenStore } from '../../../node/api/auth/index.js'
import { main } from '../../../node/cli/main.js'
import { fsKeystore } from '../../../node/platform/keystore-fs.js'
import { openLevelDb } from '../../../node/platform/level-stores.js'
import { TRUST_DB } from '../../../node/platform/trust-store.js'
import type { FlowDefinition } from '../../../shared/flow.js'
import type { SignedAuditEntry } from '../../../shared/trust.js'
import { trust } from '../../../src/index.js'
import { auditHead, getDocument } from '../../../src/trust/store/index.js'
import { apiCall, qflow, spawnRelay } from './relay-process.js'
import type { CliResult, RelayProcess } from './relay-process.js'

const scratch = mkdtempSync(join(tmpdir(), 'qflow-relay-dao-'))
const data = join(scratch, 'relay-data')
const PASSPHRASE = 'relay dao test secret'
const env = { QFLOW_DATA: data, QFLOW_PASSPHRASE: PASSPHRASE, QFLOW_KEYSTORE: '', QFLOW_IDENTITY: '' }

const flow = (id: string, requiredPermissions: string[] = []): Record<string, unknown> => ({
  id,
  name: id,
  steps: [
    { id: 'start', type: 'event-trigger', action: 'qflow.trigger.manual', params: {} },
    { id: 'done', type: 'task', action: 'qflow.action.complete', params: { output: { hello: '${input.name}' } } }
  ],
  metadata: { tags: ['demo'], category: 'test', visibility: 'public', requiredPermissions }
})

const json = <T = any>(r: CliResult): T => {
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as T
}

/**
 * Every entry of the data directory's audit log, newest first, read from the trust store's
 * LevelDB as the trust store lays it out (after the relay stopped: it holds the store's lock).
 */
async function auditEntries (dataDir: string): Promise<SignedAuditEntry[]> {
  const level = await openLevelDb(join(dataDir, 'trust', TRUST_DB))
  const { blockstore: blocks, datastore } = level
  try {
    const entries: SignedAuditEntry[] = []
    let cid = (await auditHead(datastore))?.cid ?? null
    while (cid != null) {
      const entry: SignedAuditEntry = await getDocument<SignedAuditEntry>(blocks, cid, 'audit entry')
      entries.push(entry)
      cid = entry.prev
    }
    return entries
  } finally {
    await level.close()
  }
}

describe('relay: starts signed by the caller, DAO subnets through the API', () => {
  let relay: RelayProcess
  let alice: trust.SquidIdentity
  let bob: trust.SquidIdentity
  let aliceToken: string
  let bobToken: string
  let url: string
  const q = async (...args: string[]): Promise<CliResult> => await qflow(args, env)
  /** The flow as the relay shows it to alice (what she signs for). */
  const shownFlow = async (flowId: string): Promise<FlowDefinition> => (await apiCall(url, aliceToken, 'GET', `/api/v1/flows/${flowId}`)).body.flow
  const executions = async (flowId: string): Promise<string[]> =>
    (await apiCall(url, aliceToken, 'GET', `/api/v1/executions?flowId=${flowId}`)).body.executions.map((e: { executionId: string }) => e.executionId).sort()

  beforeAll(async () => {
    // identities and a subnet of alice's, made offline before the relay takes the data directory
    const a = json(await q('identity', 'create', 'alice', '--iterations', '1000', '--json'))
    json(await q('identity', 'create', 'bob', '--iterations', '1000', '--json'))
    json(await q('dao', 'create', 'dao.a', '--as', 'alice', '--json'))
    relay = await spawnRelay(['--data', data], env)
    url = relay.ready.url
    const keystore = await fsKeystore({ dir: join(data, 'identities'), passphrase: PASSPHRASE })
    alice = await keystore.load('alice')
    bob = await keystore.load('bob')
    expect(alice.id).toBe(a.id)
    // tokens issued to alice and bob; the relay re-reads the token file
    const tokens = fileTokenStore(data)
    aliceToken = await tokens.issue(alice.id, { label: 'alice' })
    bobToken = await tokens.issue(bob.id, { label: 'bob' })
    expect((await apiCall(url, aliceToken, 'POST', '/api/v1/flows', flow('greeter'))).status).toBe(201)
    expect((await apiCall(url, aliceToken, 'POST', '/api/v1/flows', flow('report', ['reports:monthly#read']))).status).toBe(201)
  }, 120_000)
  afterAll(async () => { await relay?.stop() })

  const signedOperationIds: string[] = []

  it('qflow start --sign-as alice: admitted as alice, and the printed status names her', async () => {
    const api = ['--api', url, '--token', aliceToken]
    const started = await q('start', 'greeter', '--sign-as', 'alice', '--input-json', '{"name":"Ada"}', ...api)
    expect(started.code, started.stderr).toBe(0)
    const executionId = started.stdout.trim()
    expect(executionId).toMatch(/^exec-/)
    expect(started.stderr).toContain(`started (admitted as alice (${alice.id}))`)

    const followed = json(await q('start', 'greeter', '--sign-as', 'alice', '--input-json', '{"name":"Bo"}', '--follow', '--json', ...api))
    expect(followed).toMatchObject({ status: 'completed', output: { hello: 'Bo' }, context: { triggeredBy: alice.id } })
    expect(followed.context.variables['qflow:admission']).toMatchObject({ actor: alice.id, type: 'flow-execution', target: 'greeter' })
    // the CLI fetched the flow and signed its CID: the signature binds the definition the relay runs
    expect(followed.context.variables['qflow:admission'].payload.flow).toBe(trust.flowCid(await shownFlow('greeter')))
    signedOperationIds.push(followed.context.variables['qflow:admission'].operationId)
    const first = (await apiCall(url, aliceToken, 'GET', `/api/v1/executions/${executionId}`)).body
    expect(first.context.variables['qflow:admission'].actor).toBe(alice.id)
    signedOperationIds.push(first.context.variables['qflow:admission'].operationId)
  }, 60_000)

  it('qflow start --sign-as says what is wrong with the identity or the grants (in-process, nothing sent)', async () => {
    const run = async (...args: string[]): Promise<{ code: number, err: string }> => {
      const err: string[] = []
      const code = await main(['node', 'qflow', 'start', 'greeter', '--api', url, '--token', aliceToken, ...args], { out: () => {}, err: (l) => { err.push(l) } })
      return { code, err: err.join('\n') }
    }
    const secret = join(scratch, 'passphrase')
    writeFileSync(secret, PASSPHRASE)
    const keystore = ['--keystore', join(data, 'identities'), '--passphrase-file', secret]
    expect(await run('--grants', secret)).toEqual({ code: 2, err: expect.stringContaining('--grants: grants are presented with a signed start: add --sign-as <identity>') })
    expect(await run('--sign-as', 'nobody', ...keystore)).toEqual({ code: 1, err: expect.stringContaining("no identity 'nobody' in the keystore") })
    const grants = join(scratch, 'grants.json')
    writeFileSync(grants, JSON.stringify([{ issuer: alice.id, audience: alice.id }]))
    expect(await run('--sign-as', 'alice', '--grants', grants, ...keystore)).toEqual({ code: 2, err: expect.stringMatching(/--grants .*grants\.json: 0\.resource: /) })
    expect(await executions('greeter')).toHaveLength(2)
  }, 60_000)

  it('refuses a replayed operation and bob\'s operation on alice\'s token; nothing more starts', async () => {
    const operation = await trust.signStart(alice, { flowId: 'greeter', flow: await shownFlow('greeter'), executionId: 'exec-relay-replay', inputData: { name: 'R' } })
    const once = await apiCall(url, aliceToken, 'POST', '/api/v1/flows/greeter/start', { inputData: { name: 'R' }, operation })
    expect(once).toMatchObject({ status: 201, body: { executionId: 'exec-relay-replay', actor: alice.id } })
    const before = await executions('greeter')
    const replay = await apiCall(url, aliceToken, 'POST', '/api/v1/flows/greeter/start', { inputData: { name: 'R' }, operation })
    expect(replay.status).toBe(403)
    expect(replay.body).toMatchObject({ path: 'operation', code: 'execution_exists' })

    const byBob = await trust.signStart(bob, { flowId: 'greeter', flow: await shownFlow('greeter'), executionId: 'exec-relay-bob', inputData: {} })
    const foreign = await apiCall(url, aliceToken, 'POST', '/api/v1/flows/greeter/start', { operation: byBob })
    expect(foreign.status).toBe(403)
    expect(foreign.body.message).toContain(bob.id)
    expect(foreign.body.message).toContain(alice.id)
    expect(await executions('greeter')).toEqual(before)
  }, 60_000)

  it('refuses a flow whose requiredPermissions alice holds no grant for: 403 PERMISSION_DENIED, nothing started', async () => {
    const refused = await q('start', 'report', '--sign-as', 'alice', '--api', url, '--token', aliceToken)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/operation: qonsent rejected .*reports:monthly#read is not granted to did:key:/)
    const operation = await trust.signStart(alice, { flowId: 'report', flow: await shownFlow('report'), executionId: 'exec-relay-report', inputData: {} })
    const res = await apiCall(url, aliceToken, 'POST', '/api/v1/flows/report/start', { operation })
    expect(res).toMatchObject({ status: 403, body: { type: 'ValidationFailedError', errorType: 'permission_denied', code: 'permission_missing', path: 'operation' } })
    expect(await executions('report')).toEqual([])
  }, 60_000)

  it('qflow dao-subnets lists, through the relay, the subnets each identity may see', async () => {
    const api = ['--api', url]
    const mine = json(await q('dao-subnets', '--json', ...api, '--token', aliceToken))
    expect(mine).toEqual([expect.objectContaining({ id: 'dao.a', version: 1, members: [alice.id], admins: [alice.id], approvalQuorum: 1 })])
    // the relay's owner (its token read from the data directory) sees every subnet
    expect(json(await q('dao-subnets', '--json', ...api)).map((s: { id: string }) => s.id)).toEqual(['dao.a'])
    // bob is not a member: the subnet is left out, and reading it answers as for an unknown one
    expect(json(await q('dao-subnets', '--json', ...api, '--token', bobToken))).toEqual([])
    const hidden = await q('dao-subnets', 'dao.a', ...api, '--token', bobToken)
    expect(hidden.code).toBe(1)
    expect(hidden.stderr).toContain('no DAO subnet "dao.a"')
    const table = await q('dao-subnets', ...api, '--token', aliceToken)
    expect(table.stdout.split('\n')[0]).toMatch(/^SUBNET\s+VERSION\s+MEMBERS\s+ADMINS/)
    expect(table.stdout).toMatch(/dao\.a\s+v1\s+1\s+1\s+1\s+1\s+bafy/)
    const detail = await q('dao-subnets', 'dao.a', ...api, '--token', aliceToken)
    expect(detail.stdout).toContain(`members: ${alice.id}`)
  }, 60_000)

  it('the signed audit log names alice as the actor of her admissions (read after the relay stopped)', async () => {
    expect(await relay.stop()).toBe(0)
    const entries = await auditEntries(data)
    for (const operationId of signedOperationIds) {
      expect(entries.find(e => e.operationId === operationId)).toMatchObject({ actor: alice.id, check: 'validate', valid: true, target: 'greeter' })
    }
    // the refused start is on the log too, refused, with its ErrorType
    expect(entries.some(e => e.actor === alice.id && e.target === 'report' && !e.valid && e.errorType === 'permission_denied')).toBe(true)
    const verified = await q('audit', 'verify', '--data', data)
    expect(verified.code, verified.stderr).toBe(0)
  }, 60_000)
})

/**
 * `qflow dao …` and `qflow audit verify` as child processes on one data directory: every
 * command is a new process, so each step also shows that the previous ones were persisted.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { openLevelDb } from '../../../node/platform/level-stores.js'
import { TRUST_DB } from '../../../node/platform/trust-store.js'
import { collectBytes } from '../../../src/util/bytes.js'

const bin = new URL('../../../node/cli/bin.mjs', import.meta.url).pathname
const scratch = mkdtempSync(join(tmpdir(), 'qflow-dao-cli-'))
const CODE = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

function qflow (data: string, ...args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  const env = { ...process.env, QFLOW_DATA: data, QFLOW_PASSPHRASE: 'dao test secret', QFLOW_KEYSTORE: '', QFLOW_IDENTITY: '' }
  return new Promise(resolve => {
    execFile(process.execPath, [bin, ...args], { timeout: 60_000, env }, (err, stdout, stderr) => {
      resolve({ code: err == null ? 0 : (typeof err.code === 'number' ? err.code : 1), stdout, stderr })
    })
  })
}

const json = <T = any>(r: { code: number, stdout: string, stderr: string }): T => {
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  return JSON.parse(r.stdout) as T
}

/** Flips one bit of a stored block in the trust store's LevelDB (no qflow process holds it). */
async function tamperBlock (data: string, cid: string): Promise<void> {
  const db = await openLevelDb(join(data, 'trust', TRUST_DB))
  try {
    const bytes = (await collectBytes(db.blockstore.get(CID.parse(cid)))).slice()
    bytes[bytes.length - 5] ^= 0x01
    await db.blockstore.put(CID.parse(cid), bytes) // stored under the old CID: what a disk fault or an editor would leave
  } finally {
    await db.close()
  }
}

describe('qflow dao and audit on a data directory', () => {
  it('governs a two-admin subnet: quorum-signed policy, code approved by 2 of 2 votes, tampered policy refused, audit verified', async () => {
    const data = join(scratch, 'a')
    const q = async (...args: string[]): Promise<ReturnType<typeof qflow>> => await qflow(data, ...args)
    const alice = json(await q('identity', 'create', 'alice', '--iterations', '1000', '--json'))
    const bob = json(await q('identity', 'create', 'bob', '--iterations', '1000', '--json'))
    expect((await q('dao', 'create', 'dao.a')).stderr).toMatch(/2 identities in the keystore \(alice, bob\): choose one with --as <name>/)

    // the genesis needs both admins' signatures (admin quorum: a majority of 2)
    const created = json(await q('dao', 'create', 'dao.a', '--admins', alice.id, 'bob', '--quorum', '2', '--as', 'alice', '--json'))
    expect(created).toMatchObject({ subnet: 'dao.a', version: 1, published: false, signers: [alice.id], needed: 2 })
    expect(json(await q('dao-subnets', '--data', data, '--json'))).toEqual([expect.objectContaining({ subnet: 'dao.a', status: 'pending', signers: 1, needed: 2 })])
    expect((await q('dao', 'propose', CODE, '--subnet', 'dao.a', '--as', 'alice')).stderr).toMatch(/no DAO subnet dao\.a here: create it/)
    const signed = json(await q('dao', 'policy', 'dao.a', '--sign', created.cid, '--as', 'bob', '--json'))
    expect(signed).toMatchObject({ cid: created.cid, published: true, signers: [alice.id, bob.id] })
    const listed = await q('dao-subnets', '--data', data)
    expect(listed.stdout).toContain(`dao.a  v1  2 member(s), 2 admin(s) (2 sign a change), 2 vote(s) approve code  ${created.cid}`)

    // code approval: one vote of two does not approve, the second does
    expect((await q('dao', 'vote', CODE, '--subnet', 'dao.a', '--as', 'alice'))).toMatchObject({ code: 1, stderr: expect.stringMatching(/nobody proposed .* a member proposes it first \(qflow dao propose/) })
    expect((await q('dao', 'propose', CODE, '--subnet', 'dao.a', '--as', 'alice')).stdout).toContain(`proposed ${CODE} in dao.a as alice`)
    expect(json(await q('dao', 'vote', CODE, '--subnet', 'dao.a', '--as', 'alice', '--json'))).toMatchObject({ votes: [alice.id], needed: 2, approved: false })
    expect((await q('dao', 'vote', CODE, '--subnet', 'dao.a', '--as', 'bob')).stdout).toMatch(/2 of 2 vote\(s\): approved/)
    expect((await q('dao', 'vote', 'not-a-cid', '--subnet', 'dao.a', '--as', 'bob'))).toMatchObject({ code: 2, stderr: expect.stringMatching(/'not-a-cid' is not a CID/) })

    // a policy file altered after its admins signed it is refused
    const current = json(await q('dao', 'policy', 'dao.a', '--json'))
    expect(current).toMatchObject({ cid: created.cid, policy: { version: 1, admins: [alice.id, bob.id].sort() }, pending: [] })
    const tamperedFile = join(scratch, 'tampered.json')
    writeFileSync(tamperedFile, JSON.stringify({ ...current, policy: { ...current.policy, codeWhitelist: ['bafkreiother'] } }))
    const tampered = await q('dao', 'policy', 'dao.a', '--set', tamperedFile, '--as', 'alice')
    expect(tampered.code).toBe(1)
    expect(tampered.stderr).toMatch(/the policy was altered after signing; get a fresh copy from its admins \(qflow dao policy dao\.a --json\)/)

    // a change (a new member) needs the admin quorum too: pending after alice, current after bob
    const carol = json(await q('identity', 'create', 'carol', '--iterations', '1000', '--json'))
    expect((await q('dao', 'vote', CODE, '--subnet', 'dao.a', '--as', 'carol'))).toMatchObject({ code: 1, stderr: expect.stringMatching(/is not a member of dao\.a/) })
    const added = json(await q('dao', 'members', 'dao.a', '--add', 'carol', '--as', 'alice', '--json'))
    expect(added).toMatchObject({ version: 2, published: false, signers: [alice.id] })
    expect((await q('dao', 'policy', 'dao.a')).stdout).toContain(`pending v2: ${added.cid}: 1 of 2 admin signature(s)`)
    expect((await q('dao', 'policy', 'dao.a', '--sign', added.cid, '--as', 'carol'))).toMatchObject({ code: 1, stderr: expect.stringMatching(/is not an admin of dao\.a/) })
    expect(json(await q('dao', 'policy', 'dao.a', '--sign', added.cid, '--as', 'bob', '--json'))).toMatchObject({ version: 2, published: true })
    expect(json(await q('dao', 'members', 'dao.a', '--json'))).toMatchObject({ members: [alice.id, bob.id, carol.id].sort(), approvalQuorum: 2 })

    // new processes see all of it: history, votes, approval
    expect(json(await q('dao', 'policy', 'dao.a', '--json'))).toMatchObject({ cid: added.cid, history: [created.cid, added.cid] })
    expect(json(await q('dao', 'propose', CODE, '--subnet', 'dao.a', '--as', 'carol', '--json'))).toMatchObject({ new: false, proposer: alice.id, votes: [alice.id, bob.id].sort(), approved: true })

    // the audit log: intact, then one flipped byte in entry 1 (bob's signature of the genesis)
    const verified = await q('audit', 'verify')
    expect(verified.code).toBe(0)
    expect(verified.stdout).toMatch(/^audit log intact: \d+ entries, head bafy/)
    await tamperBlock(data, signed.audit)
    const broken = await q('audit', 'verify')
    expect(broken.code).toBe(1)
    expect(broken.stdout).toContain(`audit log BROKEN at entry 1 (${signed.audit as string}): tampered`)
    expect(broken.stderr).toMatch(/restore the block from a backup or a peer/)
    const brokenJson = await q('audit', 'verify', '--json')
    expect(brokenJson.code).toBe(1)
    expect(JSON.parse(brokenJson.stdout)).toMatchObject({ ok: false, broken: { seq: 1, cid: signed.audit, reason: 'tampered' } })
  }, 180_000)

  it('says what to do without a passphrase, an identity or a subnet', async () => {
    const data = join(scratch, 'b')
    expect(await qflow(data, 'dao-subnets', '--data', data)).toMatchObject({ code: 0, stdout: expect.stringContaining('no DAO subnets yet') })
    expect(await qflow(data, 'audit', 'verify')).toMatchObject({ code: 0, stdout: expect.stringContaining('the audit log is empty') })
    expect(await qflow(data, 'dao', 'create', 'dao.b')).toMatchObject({ code: 2, stderr: expect.stringMatching(/no identity in the keystore: create one with qflow identity create <name>/) })
    expect(await qflow(data, 'dao', 'policy', 'dao.b')).toMatchObject({ code: 1, stderr: expect.stringMatching(/no DAO subnet dao\.b here: create it with qflow dao create dao\.b/) })
    expect(await qflow(data, 'dao', 'vote', CODE, '--subnet', 'dao.b', '--passphrase-env', 'QFLOW_TEST_UNSET')).toMatchObject({ code: 2, stderr: expect.stringMatching(/no keystore passphrase: set \$QFLOW_TEST_UNSET/) })
  }, 60_000)
})

/**
 * `qflow identity …` through commander, as `node/cli/main.ts` will call it (no child process).
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command, CommanderError } from 'commander'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { identityCommands } from '../../../../node/cli/commands/identity.js'
import { importKeyFile } from '../../../../src/trust/index.js'
import { createNodeRuntime } from '../../../../node/runtime.js'

const scratch = mkdtempSync(join(tmpdir(), 'qflow-identity-cli-'))
const ENV = `QFLOW_TEST_PASS_${process.pid}`
const OTHER = `QFLOW_TEST_OTHER_${process.pid}`

async function qflow (...args: string[]): Promise<{ code: number, out: string[], err: string[] }> {
  const out: string[] = []
  const err: string[] = []
  const io = { out: (l: string) => { out.push(l) }, err: (l: string) => { err.push(l) } }
  const program = new Command('qflow').exitOverride().configureOutput({ writeOut: (s) => { io.out(s.trimEnd()) }, writeErr: (s) => { io.err(s.trimEnd()) } })
  identityCommands(program, io)
  try {
    await program.parseAsync(['node', 'qflow', ...args])
    return { code: 0, out, err }
  } catch (e: any) {
    if (e instanceof CommanderError) return { code: e.exitCode === 0 ? 0 : 2, out, err }
    if (e?.name === 'CliError') { err.push(`qflow: ${String(e.message)}`); return { code: e.exitCode, out, err } }
    throw e
  }
}

const ks = (name: string): string[] => ['--keystore', join(scratch, name), '--passphrase-env', ENV, '--iterations', '1000']

beforeAll(() => { process.env[ENV] = 'keystore secret'; process.env[OTHER] = 'transfer secret' })
afterAll(() => { delete process.env[ENV]; delete process.env[OTHER] })

describe('qflow identity', () => {
  it('creates and shows identities', async () => {
    const created = await qflow('identity', 'create', 'alice', ...ks('a'), '--json')
    expect(created.code).toBe(0)
    const alice = JSON.parse(created.out[0])
    expect(alice).toMatchObject({ name: 'alice', id: expect.stringMatching(/^did:key:z6Mk/), peerId: expect.stringMatching(/^12D3KooW/) })
    const text = await qflow('identity', 'create', 'bob', ...ks('a'))
    expect(text.out[0]).toBe('created bob')
    expect(text.out[1]).toMatch(/^ {2}id: {6}did:key:z6Mk/)
    const list = await qflow('identity', 'show', ...ks('a'))
    expect(list.out.filter(l => !l.startsWith(' '))).toEqual(['alice', 'bob'])
    const one = await qflow('identity', 'show', alice.id, ...ks('a'), '--json')
    expect(JSON.parse(one.out.join('\n'))).toMatchObject({ name: 'alice', id: alice.id, peerId: alice.peerId })
    expect(await qflow('identity', 'show', 'nobody', ...ks('a'))).toMatchObject({ code: 1, err: ["qflow: no identity 'nobody' in the keystore"] })
    expect(await qflow('identity', 'create', 'alice', ...ks('a'))).toMatchObject({ code: 1, err: ["qflow: an identity 'alice' is already in the keystore"] })
  })

  it('exports a 0600 key file under another passphrase and imports it elsewhere', async () => {
    const alice = JSON.parse((await qflow('identity', 'create', 'alice', ...ks('b'), '--json')).out[0])
    const out = join(scratch, 'alice.key.json')
    expect(await qflow('identity', 'export', 'alice', ...ks('b'), '--out', out, '--export-passphrase-env', OTHER)).toMatchObject({ code: 0, out: [`exported alice (${alice.id}) to ${out}`] })
    expect(statSync(out).mode & 0o777).toBe(0o600)
    expect((await importKeyFile(JSON.parse(readFileSync(out, 'utf8')), 'transfer secret')).id).toBe(alice.id)
    expect(await qflow('identity', 'export', 'alice', ...ks('b'), '--out', out)).toMatchObject({ code: 1, err: [expect.stringMatching(/exists/)] })

    expect(await qflow('identity', 'import', out, ...ks('c'))).toMatchObject({ code: 1, err: [expect.stringMatching(/wrong passphrase/)] })
    const imported = await qflow('identity', 'import', out, ...ks('c'), '--file-passphrase-env', OTHER, '--name', 'alice2', '--json')
    expect(JSON.parse(imported.out[0])).toMatchObject({ name: 'alice2', id: alice.id })
  })

  it('explains a missing passphrase, a bad name, a wrong keystore passphrase and a broken file', async () => {
    expect(await qflow('identity', 'create', 'x', '--keystore', join(scratch, 'd'), '--passphrase-env', 'QFLOW_TEST_UNSET_VAR')).toMatchObject({ code: 2, err: [expect.stringMatching(/no keystore passphrase: set \$QFLOW_TEST_UNSET_VAR/)] })
    expect(await qflow('identity', 'create', '../x', ...ks('d'))).toMatchObject({ code: 2, err: [expect.stringMatching(/invalid identity name/)] })
    await qflow('identity', 'create', 'carol', ...ks('e'))
    const pwFile = join(scratch, 'pw.txt')
    writeFileSync(pwFile, 'not it\n')
    expect(await qflow('identity', 'export', 'carol', '--keystore', join(scratch, 'e'), '--passphrase-file', pwFile, '--out', join(scratch, 'c.json'))).toMatchObject({ code: 1, err: [expect.stringMatching(/wrong passphrase/)] })
    const broken = join(scratch, 'broken.json')
    writeFileSync(broken, '{"type":"qflow-identity"}')
    expect(await qflow('identity', 'import', broken, ...ks('e'))).toMatchObject({ code: 1, err: [expect.stringMatching(/not a qflow identity key file/)] })
    expect(await qflow('identity', 'import', join(scratch, 'missing.json'), ...ks('e'))).toMatchObject({ code: 2 })
  })

  it('shows the node identity of a data directory without a passphrase', async () => {
    const data = join(scratch, 'node-data')
    expect(await qflow('identity', 'node', '--data', data)).toMatchObject({ code: 1, err: [expect.stringMatching(/has no node identity yet: a node creates it the first time it runs there/)] })
    const runtime = await createNodeRuntime({ dataDir: data, sandbox: false })
    await runtime.close()
    const shown = await qflow('identity', 'node', '--data', data, '--json')
    expect(JSON.parse(shown.out.join('\n'))).toEqual({ name: 'node', id: runtime.identity.id, peerId: runtime.identity.peerId, dataDir: data })
    expect((await qflow('identity', 'node', '--data', data)).out).toEqual(['node', `  id:      ${runtime.identity.id}`, `  peer id: ${runtime.identity.peerId}`, `  data:    ${data}`])
    writeFileSync(join(data, 'trust', 'node', 'node.json'), '{"type":"qflow-identity"}')
    expect(await qflow('identity', 'node', '--data', data)).toMatchObject({ code: 1, err: [expect.stringMatching(/node\.json is not a node key file/)] })
  })
})

/**
 * The isomorphic core stays free of platform code: `src/` and `shared/` import no Node
 * built-in (`node:*`, `fs`, …), never reach into `web/` or `node/`, and use no `process`,
 * `window` or `document`.
 */
import { builtinModules } from 'node:module'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = new URL('../../', import.meta.url).pathname
const builtins = new Set(builtinModules.flatMap(m => [m, m.split('/')[0]]))

function sources (dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) {
      out.push(...sources(path))
    } else if (/\.(ts|tsx|js|mjs)$/.test(name)) out.push(path)
  }
  return out
}

/** Problems in one file's text (exported for the test of the check itself). */
export function platformProblems (text: string, file: string): string[] {
  const problems: string[] = []
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1')
  const specifiers = [...code.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm)]
    .map(m => m[1] ?? m[2] ?? m[3])
  for (const spec of specifiers) {
    if (spec.startsWith('node:') || builtins.has(spec)) problems.push(`${file}: imports the platform module "${spec}"`)
    if (/^(\.\.\/)+(web|node)\//.test(spec) || /\/(web|node)\//.test(spec) && spec.startsWith('.')) problems.push(`${file}: imports "${spec}" from a platform folder`)
  }
  for (const global of ['process', 'window', 'document', 'require', 'Buffer', '__dirname']) {
    if (new RegExp(`(^|[^.\\w$'"])${global}\\s*[.[(]`, 'm').test(code)) problems.push(`${file}: uses the platform global "${global}"`)
  }
  return problems
}

describe('isomorphic core', () => {
  it('src/ and shared/ use no platform module or global', () => {
    const files = [...sources(join(root, 'src')), ...sources(join(root, 'shared'))]
    expect(files.length).toBeGreaterThan(20)
    const problems = files.flatMap(f => platformProblems(readFileSync(f, 'utf8'), relative(root, f)))
    expect(problems).toEqual([])
  })

  it('the check catches each kind of platform use', () => {
    expect(platformProblems("import { readFile } from 'node:fs'", 'a.ts')).toHaveLength(1)
    expect(platformProblems("import path from 'path'", 'a.ts')).toHaveLength(1)
    expect(platformProblems("const m = await import('worker_threads')", 'a.ts')).toHaveLength(1)
    expect(platformProblems("import { x } from '../../node/runtime.js'", 'a.ts')).toHaveLength(1)
    expect(platformProblems('const home = process.env.HOME', 'a.ts')).toHaveLength(1)
    expect(platformProblems('window.location.href = "x"', 'a.ts')).toHaveLength(1)
    expect(platformProblems("import { z } from 'zod' // process.env in a comment", 'a.ts')).toEqual([])
  })
})

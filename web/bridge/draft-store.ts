/**
 * The builder's draft: the document being edited, undo/redo history, live validation (errors
 * grouped by step index), and a copy kept in localStorage so a reload or a bad edit loses nothing.
 */
import { createMemo, createSignal } from 'solid-js'
import type { Accessor } from 'solid-js'
import type { PathError } from '../../shared/errors.js'
import { validateFlow } from '../../src/index.js'
import type { ActionRegistry } from '../../src/index.js'
import type { FlowDraft } from '../kernel/draft-ops.js'

export interface Validation {
  valid: boolean
  errors: PathError[]
  /** Errors by step index (`steps[2]…` → 2); flow-level ones under -1. */
  byStep: Map<number, PathError[]>
}

export interface DraftStore {
  doc: Accessor<FlowDraft>
  validation: Accessor<Validation>
  /** Replaces the document; edits sharing a `coalesce` key in a row make one undo step. */
  commit(doc: FlowDraft, coalesce?: string): void
  undo(): void
  redo(): void
  canUndo: Accessor<boolean>
  canRedo: Accessor<boolean>
}

const LIMIT = 200
export const draftKey = (flowId: string): string => `qflow.draft.${flowId}`

export function stepIndexOf (path: string): number {
  const m = /^steps\[(\d+)\]/.exec(path)
  return m == null ? -1 : Number(m[1])
}

export function createDraftStore (initial: FlowDraft, actions: ActionRegistry, storage?: Pick<Storage, 'setItem'>): DraftStore {
  const [doc, setDoc] = createSignal<FlowDraft>(initial)
  const [past, setPast] = createSignal<FlowDraft[]>([])
  const [future, setFuture] = createSignal<FlowDraft[]>([])
  let lastKey: string | undefined

  const validation = createMemo<Validation>(() => {
    const result = validateFlow(doc(), { actions })
    const byStep = new Map<number, PathError[]>()
    for (const e of result.errors) {
      const i = stepIndexOf(e.path)
      byStep.set(i, [...(byStep.get(i) ?? []), e])
    }
    return { valid: result.valid, errors: result.errors, byStep }
  })

  const save = (d: FlowDraft): void => {
    if (typeof d.id === 'string') storage?.setItem(draftKey(d.id), JSON.stringify(d))
  }

  return {
    doc,
    validation,
    commit (next, coalesce) {
      if (coalesce == null || coalesce !== lastKey) setPast(p => [...p, doc()].slice(-LIMIT))
      lastKey = coalesce
      setFuture([])
      setDoc(next)
      save(next)
    },
    undo () {
      const p = past()
      if (p.length === 0) return
      setFuture(f => [doc(), ...f])
      setPast(p.slice(0, -1))
      setDoc(p[p.length - 1])
      lastKey = undefined
      save(doc())
    },
    redo () {
      const f = future()
      if (f.length === 0) return
      setPast(p => [...p, doc()])
      setFuture(f.slice(1))
      setDoc(f[0])
      lastKey = undefined
      save(doc())
    },
    canUndo: () => past().length > 0,
    canRedo: () => future().length > 0
  }
}

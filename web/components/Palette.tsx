/** Step types and their actions (from the action registry): click one to add a step. */
import { For } from 'solid-js'
import type { JSX } from 'solid-js'
import { STEP_TYPES } from '../../shared/flow.js'
import type { ActionDefinition } from '../../src/index.js'

export function Palette (props: { actions: ActionDefinition[], onAdd: (type: string, action: string) => void }): JSX.Element {
  const byType = (type: string): ActionDefinition[] => props.actions.filter(a => a.stepTypes.includes(type as never))
  return (
    <nav class="palette" aria-label="Palette of step types and actions">
      <For each={[...STEP_TYPES]}>{type => (
        <section>
          <h4>{type}</h4>
          <For each={byType(type)}>{a => (
            <button type="button" class="palette-item" data-action={a.name} onClick={() => props.onAdd(type, a.name)} title={`Add a ${type} step calling ${a.name}`}>
              {a.name.replace(/^qflow\./, '')}
            </button>
          )}</For>
        </section>
      )}</For>
    </nav>
  )
}

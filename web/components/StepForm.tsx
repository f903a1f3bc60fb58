/** The form of one step: its fields from the flow schema, its params from the action's schema. */
import { createMemo, For, Show } from 'solid-js'
import type { JSX } from 'solid-js'
import type { PathError } from '../../shared/errors.js'
import type { ActionRegistry } from '../../src/index.js'
import { setIn } from '../kernel/draft-ops.js'
import type { DraftStep } from '../kernel/flow-graph.js'
import { paramFields, stepFormFields } from '../kernel/schema-fields.js'
import { SchemaField } from './SchemaField.js'

export interface StepFormProps {
  step: DraftStep
  index: number
  actions: ActionRegistry
  errors: PathError[]
  stepIds: string[]
  onChange: (step: DraftStep, field: string) => void
  onDelete: () => void
}

export function StepForm (props: StepFormProps): JSX.Element {
  const prefix = (): string => `steps[${props.index}]`
  const value = (path: string[]): unknown => path.reduce<any>((at, k) => at?.[k], props.step)
  const errorsAt = (path: string[]): PathError[] => {
    const p = prefix() + '.' + path.join('.')
    return props.errors.filter(e => e.path === p || e.path.startsWith(p + '.') || e.path.startsWith(p + '['))
  }
  const params = createMemo(() => paramFields(props.actions, props.step.action))
  /** The action field offers the registry's actions for the step's type (plus the current value). */
  const fields = createMemo(() => stepFormFields().map(f => {
    if (f.key !== 'action') return f
    const names = props.actions.list().filter(a => a.stepTypes.includes(props.step.type as never)).map(a => a.name)
    const current = typeof props.step.action === 'string' && props.step.action !== '' && !names.includes(props.step.action) ? [props.step.action] : []
    return { ...f, kind: 'enum' as const, options: [...current, ...names] }
  }))
  const stepLevel = (): PathError[] => props.errors.filter(e => e.path === prefix() || !stepFormFields().concat(params()).some(f => e.path.startsWith(`${prefix()}.${f.path.join('.')}`)))
  const change = (path: string[], v: unknown): void => props.onChange(setIn(props.step, path, v), path.join('.'))
  return (
    <form class="step-form" data-testid="step-form" onSubmit={e => e.preventDefault()} aria-label={`Step ${String(props.step.id)}`}>
      <header>
        <h3>Step {String(props.step.id ?? '')}</h3>
        <button type="button" class="danger" onClick={() => props.onDelete()}>Delete step</button>
      </header>
      <datalist id="step-ids"><For each={props.stepIds}>{id => <option value={id} />}</For></datalist>
      <For each={stepLevel()}>{e => <p class="field-error" role="alert" data-path={e.path}>{e.path}: {e.message}</p>}</For>
      <For each={fields()}>{f => <SchemaField field={f} value={value} onChange={change} errorsAt={errorsAt} stepIds={props.stepIds} />}</For>
      <Show when={params().length > 0}>
        <fieldset class="group"><legend>params ({String(props.step.action)})</legend>
          <For each={params()}>{f => <SchemaField field={f} value={value} onChange={change} errorsAt={errorsAt} stepIds={props.stepIds} />}</For>
        </fieldset>
      </Show>
    </form>
  )
}

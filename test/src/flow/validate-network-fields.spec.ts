import { describe, expect, it } from 'vitest'
import { builtinRegistry } from '../../../src/index.js'
import { validateFlow } from '../../../src/flow/index.js'
import { errorsOf, flow, step } from './helpers.js'

const actions = builtinRegistry()

function webhook (params: Record<string, unknown>): ReturnType<typeof step> {
  return step('hook', { type: 'event-trigger', action: 'qflow.trigger.webhook', params })
}

describe('validateFlow: step placement and webhook fields', () => {
  it('accepts redundancy and per-step requirements', () => {
    const result = validateFlow(flow([step('a', { redundancy: 3, requirements: { capabilities: ['gpu'] } })]), { actions })
    expect(errorsOf(result)).toEqual([])
  })

  it('names a redundancy out of range and an unknown requirement', () => {
    const result = validateFlow(flow([step('a', { redundancy: 0 }), step('b', { redundancy: 2.5, requirements: { gpus: 1 } })]), { actions })
    expect(errorsOf(result)).toEqual([
      'steps[0].redundancy: must be an integer 1-15',
      'steps[1].redundancy: must be an integer 1-15',
      'steps[1].requirements.gpus: unknown field'
    ])
  })

  it('checks the webhook trigger respond mode and authentication', () => {
    expect(errorsOf(validateFlow(flow([webhook({ respond: 'onComplete', auth: { type: 'hmac', secret: 'a-long-enough-secret' } }), step('a')]), { actions }))).toEqual([])
    expect(errorsOf(validateFlow(flow([webhook({ respond: 'later', auth: { type: 'token', token: 'short' } }), step('a')]), { actions }))).toEqual([
      'steps[0].params.respond: must be "immediately" or "onComplete"',
      'steps[0].params.auth.token: must be at least 16 characters'
    ])
  })

  it('checks a schedule trigger cron pattern and time zone', () => {
    const schedule = (params: Record<string, unknown>): ReturnType<typeof step> => step('tick', { type: 'event-trigger', action: 'qflow.trigger.schedule', params })
    expect(errorsOf(validateFlow(flow([schedule({ cron: '*/5 * * * *', timezone: 'Europe/Paris' }), step('a')]), { actions }))).toEqual([])
    const [cron] = errorsOf(validateFlow(flow([schedule({ cron: '61 * * * *' }), step('a')]), { actions }))
    expect(cron).toMatch(/^steps\[0\]\.params\.cron: not a valid cron pattern/)
    expect(errorsOf(validateFlow(flow([schedule({ cron: '* * * * *', timezone: 'Mars/Olympus' }), step('a')]), { actions }))).toEqual([
      "steps[0].params.timezone: not a known IANA time zone (e.g. Europe/Paris, UTC): 'Mars/Olympus'"
    ])
  })
})

import { describe } from 'vitest'
import { threadSandboxHost } from '../../../node/platform/thread-sandbox-host.js'
import { attackSuite } from './attack-suite.js'

describe('attack suite on worker_threads', () => {
  attackSuite(() => threadSandboxHost({ config: { allowedModules: ['*'], poolSize: 2 } }))
})

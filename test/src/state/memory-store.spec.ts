import { stateStoreTests } from '../../compliance/state-store.js'
import { memoryStateStore } from '../../../src/state/memory-store.js'

stateStoreTests('memory', async () => ({ store: memoryStateStore(), teardown: async () => {} }))

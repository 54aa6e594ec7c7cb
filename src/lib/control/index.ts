/** The control topic: `kq restart`, `kq pause` and `kq continue`, written once, read by every worker. */
export {type ControlAction, type ControlChange, type ControlRecord, ControlState, controlKey, decodeControl, encodeControl} from './records.js'
export {type ControlReceipt, type ControlRequest, type UnchangedControl, type WrittenControl, sendControl} from './send.js'
export {CONTROL_DELAY_SECONDS, CONTROL_POLL_MS, ensureControlTopic, readControl, readPausedQueues} from './topic.js'
export {controlReaderGroup} from './groups.js'

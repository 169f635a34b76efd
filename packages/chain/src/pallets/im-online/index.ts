/** `ImOnline`: validators' heartbeats and the offline offence (see pallet.ts). */
export {
  AuthoredBlocks,
  type Heartbeat,
  HeartbeatAfter,
  heartbeat,
  heartbeatPayload,
  imOnlineErrors,
  imOnlineEvents,
  imOnlineNewSession,
  imOnlinePallet,
  imOnlineSessionEnding,
  isOnline,
  Keys,
  ReceivedHeartbeats,
} from './pallet.js'

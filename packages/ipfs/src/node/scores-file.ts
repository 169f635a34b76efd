/**
 * Retrieval scores kept across restarts: a JSON file in the repo folder, written whole to a
 * temporary file and renamed over the old one (a crash leaves the old or the new file, never half
 * of one). A missing or unreadable file starts the node with no scores: they are a ranking hint,
 * not data that must survive.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { ServiceTiming } from './holder-split.js'
import type { PeerRecordTotals } from './retrieval-scores.js'

/** The file's name in the repo folder. */
export const SCORES_FILE = 'retrieval-scores.json'

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0

function valid(entry: unknown): entry is [string, PeerRecordTotals] {
  if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string') return false
  const t = entry[1] as Record<string, unknown> | null
  return (
    t !== null &&
    typeof t === 'object' &&
    isCount(t.successes) &&
    isCount(t.failures) &&
    isCount(t.bytes) &&
    isCount(t.latencySumMs) &&
    (t.wrongBlocks === undefined || isCount(t.wrongBlocks))
  )
}

function validTiming(entry: unknown): entry is [string, ServiceTiming] {
  if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string') return false
  const t = entry[1] as Record<string, unknown> | null
  return t !== null && typeof t === 'object' && isCount(t.sumMs) && isCount(t.weight) && t.weight > 0
}

/** What the file keeps: the scores, and the holders' times per block (the holder split's). */
export interface SavedScores {
  peers: Array<[string, PeerRecordTotals]>
  /** Absent in files saved before the times were kept. */
  timing: Array<[string, ServiceTiming]>
}

/** The saved scores, or none when the file is missing or malformed (malformed entries are skipped). */
export function loadScores(repoPath: string): SavedScores {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path.join(repoPath, SCORES_FILE), 'utf8'))
  } catch {
    return { peers: [], timing: [] }
  }
  const { peers, timing } = (parsed ?? {}) as { peers?: unknown; timing?: unknown }
  return { peers: Array.isArray(peers) ? peers.filter(valid) : [], timing: Array.isArray(timing) ? timing.filter(validTiming) : [] }
}

export function saveScores(repoPath: string, saved: SavedScores): void {
  const file = path.join(repoPath, SCORES_FILE)
  const temp = `${file}.tmp`
  writeFileSync(temp, JSON.stringify({ version: 1, peers: saved.peers, timing: saved.timing }))
  renameSync(temp, file)
}

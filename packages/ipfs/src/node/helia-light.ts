import type { createHeliaLight, Helia, HeliaInit } from 'helia'

/** `createHeliaLight` of `helia`: a Helia node with no routing or block broker of its own. */
export type CreateHeliaLight = typeof createHeliaLight

/**
 * Loads `createHeliaLight` without `helia`'s entry module. That module also imports what
 * `createHelia` sets up (`@helia/libp2p` with its libp2p defaults: an ACME client for auto-TLS,
 * WebRTC and its native library, UPnP, circuit relay; `@helia/http` with undici), which a node on
 * a host of its own never runs: 1,100 modules, 18 MiB of heap and ~20 MiB of RSS in a storage node
 * that has only imported its code (bench/idle-memory.ts measures the whole node). The same
 * function is built from the Helia class and the version beside the entry (`createHeliaLight` is
 * `new Helia({ name, version, ...init })`); if a Helia release moves them, the entry is loaded
 * instead, so the node still starts (a test fails on that path: see helia-light.spec.ts).
 */
export async function loadCreateHeliaLight(): Promise<{ createHeliaLight: CreateHeliaLight; light: boolean }> {
  const entry = import.meta.resolve('helia')
  try {
    const [{ Helia: HeliaClass }, { name, version }] = (await Promise.all([
      import(new URL('./helia.js', entry).href),
      import(new URL('./version.js', entry).href),
    ])) as [{ Helia: new (init: HeliaInit & { name: string; version: string }) => Helia }, { name: string; version: string }]
    if (typeof HeliaClass !== 'function' || typeof name !== 'string' || typeof version !== 'string') throw new Error('unexpected helia layout')
    return { createHeliaLight: (init = {}) => new HeliaClass({ name, version, ...init }), light: true }
  } catch {
    const entryModule = await import('helia')
    return { createHeliaLight: entryModule.createHeliaLight, light: false }
  }
}

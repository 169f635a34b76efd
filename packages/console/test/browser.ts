/**
 * Launches Debian's Chromium through playwright-core (which downloads no browser). A machine
 * without a Chromium that starts fails the browser tests: CI installs the `chromium` package
 * (.ci/chromium.sh), so a silent skip would hide a broken console.
 */
import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']

export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CRUST_TEST_CHROMIUM ?? CANDIDATES.find((p) => existsSync(p))
  if (executablePath === undefined) {
    throw new Error(`no Chromium found (looked for ${CANDIDATES.join(', ')}; set CRUST_TEST_CHROMIUM): install it with apt-get install -y chromium`)
  }
  try {
    // As root (CI) Chromium refuses its sandbox.
    return await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] })
  } catch (err) {
    throw new Error(`Chromium at ${executablePath} does not start: ${(err as Error).message}`)
  }
}

import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium driven by playwright-core (which downloads no browser: its own download is
 * refused on these machines). `.ci/run` installs the `chromium` package when it is missing.
 */
export const CHROMIUM_PATH = process.env.QUALIFY_CHROMIUM_PATH ?? '/usr/bin/chromium';

export const chromiumMissing = (): string | null =>
  existsSync(CHROMIUM_PATH)
    ? null
    : `Chromium not found at ${CHROMIUM_PATH}: install Debian's chromium package (apt-get install -y --no-install-recommends chromium; .ci/run does it) or set QUALIFY_CHROMIUM_PATH`;

export interface LaunchedChromium {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * A fresh, empty profile each launch (playwright makes a temporary --user-data-dir and removes
 * it on close; it refuses one passed in args), and no background traffic: the machine's network
 * is closed, and Chromium's own calls home would be refused by the dozen.
 */
export async function launchChromium(): Promise<LaunchedChromium> {
  const missing = chromiumMissing();
  if (missing) throw new Error(missing);
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => {});
    },
  };
}

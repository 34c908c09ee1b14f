import { existsSync } from "node:fs";
import { after, before } from "node:test";
import { chromium, type Browser } from "playwright-core";

/**
 * Debian's chromium, driven by playwright-core (no browser download). CHROMIUM_PATH
 * overrides where it is; .ci/run installs the Debian package when it is missing.
 */
export const CHROMIUM_PATH = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

/** Why the browser tests cannot run here, or undefined when they can. Given to node:test's `skip`. */
export const chromiumMissing: string | undefined = existsSync(CHROMIUM_PATH)
  ? undefined
  : `no chromium at ${CHROMIUM_PATH}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`;

if (chromiumMissing !== undefined) console.log(`# browser tests skipped: ${chromiumMissing}`);

/** One headless browser for a test file, launched before its tests and closed after them. */
export function useChromium(): { readonly browser: Browser } {
  let browser: Browser | undefined;
  before(async () => {
    if (chromiumMissing !== undefined) return;
    // --no-sandbox: CI runs as root, where chromium's sandbox refuses to start.
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ["--no-sandbox"] });
  });
  after(async () => {
    await browser?.close();
  });
  return {
    get browser() {
      if (browser === undefined) throw new Error("the browser is used before its before() hook ran");
      return browser;
    },
  };
}

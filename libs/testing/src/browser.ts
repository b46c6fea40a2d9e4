import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';

/** Debian's Chromium (never a downloaded browser); CI installs the `chromium` package. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots of the pages browser tests visit, kept as CI artifacts. */
export const SCREENSHOTS_DIR = join(__dirname, '..', '..', '..', 'artifacts', 'screenshots');

/** Headless Chromium for a browser test, with the screenshots folder made; a clear error when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`);
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A full-page screenshot under SCREENSHOTS_DIR. */
export function screenshot(page: Page, name: string): Promise<Buffer> {
  return page.screenshot({ path: join(SCREENSHOTS_DIR, `${name}.png`), fullPage: true });
}

/** The visible text of the first element matching, once it is there (Playwright waits for it). */
export async function textOf(locator: Locator): Promise<string> {
  return (await locator.first().innerText()).trim();
}

/**
 * Signs in to the console at `base` through the sign-in page (reached by opening `start`), as a
 * person would; a script error on any page fails the test, and confirm dialogs are accepted.
 */
export async function signInToConsole(browser: Browser, base: string, start: string, email: string, password: string, landing: RegExp): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  page.on('pageerror', (err) => {
    throw err;
  });
  page.on('dialog', (dialog) => void dialog.accept());
  await page.goto(`${base}${start}`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(landing);
  return page;
}

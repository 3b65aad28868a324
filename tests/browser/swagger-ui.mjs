// Swagger UI in a real browser: Debian's Chromium driven by playwright-core (no browser download).
//
//   BASE_URL=http://127.0.0.1:8080 node swagger-ui.mjs
//
// Checks, against a running server:
//  1. every operation of the served OpenAPI document is rendered as an operation block (the
//     count and each method and path);
//  2. on each POST, "Try it out" then "Execute" with the example body answers 200 and the
//     response panel shows a decision (`actual` for /state, `action_type` for the others);
//  3. the page requests nothing outside the server: every request is recorded and any other
//     origin (data: and blob: URLs aside) fails the run. Such requests are aborted before they
//     leave the browser, and the browser resolves no host name but the test's own.
//  4. the same page served under a host name that is not loopback (mapped to 127.0.0.1 inside
//     Chromium only), because Swagger UI skips some outside requests, such as its online
//     validator badge, on localhost only.
// Screenshots go to $ARTIFACTS_DIR: swagger-ui.png (the whole page after every Execute) and
// swagger-ui-reconcile.png (the main call's block with its answer); the log prints both paths.
//
// Environment: BASE_URL (required), CHROMIUM_PATH (default /usr/bin/chromium), ARTIFACTS_DIR
// (default /tmp/prebuild-decider-artifacts), TIMEOUT_MS per step (default 30000).

import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const baseUrl = (process.env.BASE_URL ?? '').replace(/\/+$/, '');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const artifactsDir = process.env.ARTIFACTS_DIR ?? '/tmp/prebuild-decider-artifacts';
const timeout = Number(process.env.TIMEOUT_MS ?? 30000);
// A name only this browser resolves (to 127.0.0.1); `.test` is reserved (RFC 6761).
const publicHost = 'prebuild-decider.test';

if (!baseUrl) {
  console.error('swagger-ui: set BASE_URL, e.g. http://127.0.0.1:8080');
  process.exit(2);
}

const failures = [];
let passed = 0;
function check(ok, what) {
  if (ok) {
    passed += 1;
    console.log(`ok - ${what}`);
  } else {
    failures.push(what);
    console.log(`FAIL - ${what}`);
  }
}

/** The document's operations, as "METHOD /path". */
async function documentedOperations() {
  const response = await fetch(`${baseUrl}/api-docs/openapi.json`);
  if (!response.ok) throw new Error(`GET /api-docs/openapi.json answered ${response.status}`);
  const document = await response.json();
  const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
  const operations = [];
  for (const [route, item] of Object.entries(document.paths ?? {})) {
    for (const method of methods) {
      if (item[method]) operations.push({ method: method.toUpperCase(), path: route, operation: item[method] });
    }
  }
  return operations;
}

/** Records every request of the page; aborts those not for `origin`. */
function guardRequests(page, origin, label) {
  const outside = [];
  const allowed = (url) => {
    if (url.startsWith('data:') || url.startsWith('blob:')) return true;
    try {
      return new URL(url).origin === origin;
    } catch {
      return false;
    }
  };
  page.on('request', (request) => {
    if (!allowed(request.url())) outside.push(request.url());
  });
  // Stops them before they leave the browser; they are still recorded above.
  return page
    .route('**/*', (route) => (allowed(route.request().url()) ? route.continue() : route.abort('blockedbyclient')))
    .then(() => ({
      outside,
      report() {
        check(outside.length === 0, `${label}: the page requested nothing outside ${origin}` +
          (outside.length ? ` (it asked for: ${[...new Set(outside)].join(', ')})` : ''));
      },
    }));
}

/** Opens Swagger UI at `origin` and waits until every operation block is there. */
async function openSwaggerUi(page, origin, expected) {
  await page.goto(`${origin}/swagger-ui/`, { waitUntil: 'load', timeout });
  await page.waitForSelector('.opblock', { timeout });
  await page
    .waitForFunction((n) => document.querySelectorAll('.opblock').length >= n, expected, { timeout })
    .catch(() => {});
  await page.waitForLoadState('networkidle', { timeout }).catch(() => {});
}

/** The rendered operation blocks as "METHOD /path". */
async function renderedOperations(page) {
  return page.$$eval('.opblock', (blocks) =>
    blocks.map((block) => {
      const method = block.querySelector('.opblock-summary-method')?.textContent?.trim() ?? '?';
      const pathElement = block.querySelector('.opblock-summary-path');
      const route = pathElement?.getAttribute('data-path') ?? pathElement?.textContent?.trim() ?? '?';
      return `${method.toUpperCase()} ${route.replace(/\u200b/g, '')}`;
    }),
  );
}

/** "Try it out" → "Execute" on one POST; returns the status and body Swagger UI shows. */
async function tryItOut(page, operation) {
  const block = page.locator(`.opblock.opblock-post:has(.opblock-summary-path[data-path="${operation.path}"])`);
  await block.first().waitFor({ timeout });
  const op = block.first();
  if (!(await op.evaluate((el) => el.classList.contains('is-open')))) {
    await op.locator('.opblock-summary').first().click();
  }
  await op.locator('.opblock-body').waitFor({ timeout });
  // With tryItOutEnabled the form opens editable and the button reads "Cancel".
  const tryOut = op.locator('button.try-out__btn');
  if ((await tryOut.count()) > 0 && /try it out/i.test(await tryOut.first().innerText())) {
    await tryOut.first().click();
  }
  const bodyEditor = op.locator('textarea.body-param__text');
  await bodyEditor.first().waitFor({ timeout });
  const sentBody = await bodyEditor.first().inputValue();
  await op.locator('button.execute').first().click();
  const status = op.locator('.live-responses-table .response .response-col_status').first();
  await status.waitFor({ timeout });
  const statusText = (await status.innerText()).trim();
  const bodyLocator = op.locator('.live-responses-table .response-col_description pre').first();
  await bodyLocator.waitFor({ timeout });
  const bodyText = await bodyLocator.innerText();
  return { sentBody, statusText, bodyText };
}

async function main() {
  const operations = await documentedOperations();
  const expected = operations.map((o) => `${o.method} ${o.path}`).sort();
  const posts = operations.filter((o) => o.method === 'POST');
  console.log(`swagger-ui: the document has ${operations.length} operations (${posts.length} POST) at ${baseUrl}`);

  const serverPort = new URL(baseUrl).port || '80';
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'prebuild-decider-chromium-'));
  await mkdir(artifactsDir, { recursive: true });
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Resolve no name but the test's own: nothing can reach a host outside this machine.
      `--host-resolver-rules=MAP ${publicHost} 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE ${new URL(baseUrl).hostname}`,
    ],
    viewport: { width: 1280, height: 1000 },
    timeout,
  });
  try {
    const version = context.browser()?.version() ?? 'unknown';
    console.log(`swagger-ui: Chromium ${version} from ${chromiumPath}, profile ${userDataDir}`);

    // --- On the server's own address -------------------------------------------------------
    const page = context.pages()[0] ?? (await context.newPage());
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    const origin = new URL(baseUrl).origin;
    const guard = await guardRequests(page, origin, baseUrl);
    await openSwaggerUi(page, origin, operations.length);

    const rendered = (await renderedOperations(page)).sort();
    check(
      rendered.length === operations.length,
      `renders ${operations.length} operation blocks, one per documented operation (found ${rendered.length})`,
    );
    for (const operation of expected) {
      check(rendered.includes(operation), `renders ${operation}`);
    }
    const extra = rendered.filter((r) => !expected.includes(r));
    check(extra.length === 0, `renders no operation the document lacks${extra.length ? `: ${extra.join(', ')}` : ''}`);

    for (const operation of posts) {
      const label = `POST ${operation.path}: Try it out → Execute with the example body`;
      try {
        const { sentBody, statusText, bodyText } = await tryItOut(page, operation);
        check(sentBody.trim().length > 2, `${label}: the body editor holds the example (${sentBody.length} chars)`);
        check(statusText.startsWith('200'), `${label}: answers 200 (got ${JSON.stringify(statusText.slice(0, 40))})`);
        let decision;
        try {
          decision = JSON.parse(bodyText);
        } catch {
          decision = undefined;
        }
        const shows =
          operation.path === '/v1/presets/state'
            ? decision && typeof decision.actual === 'number'
            : bodyText.includes('"action_type"');
        const key = operation.path === '/v1/presets/state' ? 'actual' : 'action_type';
        check(Boolean(shows), `${label}: the response panel shows a decision (${key})`);
        console.log(`   ${operation.path} answered: ${bodyText.replace(/\s+/g, ' ').slice(0, 200)}`);
      } catch (error) {
        check(false, `${label}: ${error.message.split('\n')[0]}`);
      }
    }

    const screenshot = path.join(artifactsDir, 'swagger-ui.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`swagger-ui: screenshot of the whole page saved to ${screenshot}`);
    const main = page.locator('.opblock.opblock-post:has(.opblock-summary-path[data-path="/v1/presets/reconcile"])');
    if ((await main.count()) > 0) {
      const detail = path.join(artifactsDir, 'swagger-ui-reconcile.png');
      await main.first().screenshot({ path: detail });
      console.log(`swagger-ui: screenshot of POST /v1/presets/reconcile after Execute saved to ${detail}`);
    }
    check(pageErrors.length === 0, `no uncaught page errors${pageErrors.length ? `: ${pageErrors.join('; ')}` : ''}`);
    guard.report();
    await page.close();

    // --- Under a host name that is not loopback --------------------------------------------
    const publicOrigin = `http://${publicHost}:${serverPort}`;
    const publicPage = await context.newPage();
    const publicGuard = await guardRequests(publicPage, publicOrigin, publicOrigin);
    await openSwaggerUi(publicPage, publicOrigin, operations.length);
    const publicRendered = await renderedOperations(publicPage);
    check(
      publicRendered.length === operations.length,
      `${publicOrigin}: renders ${operations.length} operation blocks (found ${publicRendered.length})`,
    );
    publicGuard.report();
    await publicPage.close();
  } finally {
    await context.close();
    await rm(userDataDir, { recursive: true, force: true });
  }

  for (const failure of failures) console.log(`  failed: ${failure}`);
  console.log(`swagger-ui: ${passed} passed, ${failures.length} failed`);
  if (failures.length) process.exit(1);
}

main().catch((error) => {
  console.error(`swagger-ui: ${error.stack ?? error}`);
  process.exit(1);
});

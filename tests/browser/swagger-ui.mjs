// Swagger UI in a real browser: Debian's Chromium driven by playwright-core (no browser download).
//
//   BASE_URL=http://127.0.0.1:8080 node swagger-ui.mjs
//
// Checks, against a running server:
//  1. every operation of the served OpenAPI document is rendered as an operation block (the
//     count and each method and path), and each has an operationId of its own (Swagger UI
//     executes an operation by its operationId: two operations sharing one send both to the
//     first one's path);
//  2. on each POST, v1's and v2's alike (taken from the document, none hard-coded), "Try it out"
//     then "Execute": the body editor holds the operation's example when it declares one, the
//     request goes to the operation's own path, the answer is 200, and the body in the response
//     panel conforms to the operation's 200 response schema (required fields, types, lists,
//     `oneOf` shapes such as v1's single action and v2's list of actions);
//  3. the page requests nothing outside the server: every request is recorded and any other
//     origin (data: and blob: URLs aside) fails the run. Such requests are aborted before they
//     leave the browser, and the browser resolves no host name but the test's own.
//  4. the same page served under a host name that is not loopback (mapped to 127.0.0.1 inside
//     Chromium only), because Swagger UI skips some outside requests, such as its online
//     validator badge, on localhost only;
//  5. on each POST that can answer a chart (`image/svg+xml`, the forecasts), picking that media
//     type and executing again sends it in `Accept` and shows the chart as an image, decoded
//     and drawn at its size.
// Screenshots go to $ARTIFACTS_DIR: swagger-ui.png (the whole page after every Execute),
// swagger-ui-reconcile.png and swagger-ui-v2-reconcile.png (the v1 and v2 main calls' blocks with
// their answers), and for each chart answer the block and the chart alone
// (swagger-ui-presets-forecast.png, presets-forecast-chart.png, and the global forecast's); the
// log prints their paths.
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
  return { document, operations };
}

/** Follows a local `$ref` (`#/components/schemas/Name`) in `document`. */
function resolve(document, schema) {
  let seen = 0;
  while (schema && typeof schema.$ref === 'string') {
    if (!schema.$ref.startsWith('#/') || seen++ > 32) throw new Error(`cannot follow $ref ${schema.$ref}`);
    schema = schema.$ref
      .slice(2)
      .split('/')
      .reduce((node, key) => node?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], document);
  }
  return schema;
}

/** The JSON type of `value` as JSON Schema names it (`integer` for integral numbers). */
function jsonType(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/**
 * Where `value` breaks `schema` (resolved in `document`), as "pointer: what" strings; empty
 * when it conforms. A small structural check, enough to tell an answer's shape: `$ref`, `allOf`,
 * `oneOf` (exactly one), `anyOf`, `type`, `enum`, `required`, `properties`, `items`, `minimum`
 * and `maximum`. Formats and patterns are not checked.
 */
function conformance(document, schema, value, at = '') {
  schema = resolve(document, schema);
  if (!schema || typeof schema !== 'object') return [];
  const errors = [];
  for (const part of schema.allOf ?? []) errors.push(...conformance(document, part, value, at));
  if (schema.oneOf) {
    const passing = schema.oneOf.filter((part) => conformance(document, part, value, at).length === 0);
    if (passing.length !== 1) errors.push(`${at || '/'}: matches ${passing.length} of the oneOf shapes, not exactly 1`);
  }
  if (schema.anyOf && !schema.anyOf.some((part) => conformance(document, part, value, at).length === 0)) {
    errors.push(`${at || '/'}: matches none of the anyOf shapes`);
  }
  if (schema.type !== undefined) {
    const allowed = [].concat(schema.type);
    const type = jsonType(value);
    if (!allowed.includes(type) && !(type === 'integer' && allowed.includes('number'))) {
      errors.push(`${at || '/'}: is ${type}, not ${allowed.join(' or ')}`);
      return errors;
    }
  }
  if (schema.enum && !schema.enum.some((option) => JSON.stringify(option) === JSON.stringify(value))) {
    errors.push(`${at || '/'}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${at}: ${value} < ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${at}: ${value} > ${schema.maximum}`);
  }
  if (jsonType(value) === 'object') {
    for (const key of schema.required ?? []) {
      if (!(key in value)) errors.push(`${at}/${key}: required, missing`);
    }
    for (const [key, property] of Object.entries(schema.properties ?? {})) {
      if (key in value) errors.push(...conformance(document, property, value[key], `${at}/${key}`));
    }
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => errors.push(...conformance(document, schema.items, item, `${at}/${i}`)));
  }
  return errors;
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

/**
 * On a POST whose 200 answer can be `image/svg+xml` (a forecast's chart), already tried out:
 * picks that media type in the responses' "Media type" menu (it controls `Accept`), executes
 * again, and returns what was sent and the image Swagger UI shows, once it has been drawn.
 */
async function executeForChart(page, operation) {
  const op = page.locator(`.opblock.opblock-post:has(.opblock-summary-path[data-path="${operation.path}"])`).first();
  const media = op.locator('.response-control-media-type--accept-controller select').first();
  await media.waitFor({ timeout });
  await media.selectOption('image/svg+xml');
  const sent = page.waitForRequest((request) => request.method() === 'POST', { timeout });
  await op.locator('button.execute').first().click();
  const request = await sent;
  const answer = await request.response();
  const image = op.locator('.live-responses-table img.svg-answer').first();
  await image.waitFor({ timeout });
  // Decoded and drawn: an SVG that failed to parse has no natural size.
  await page.waitForFunction((element) => element.complete && element.naturalWidth > 0, await image.elementHandle(), { timeout });
  const size = await image.evaluate((element) => ({ width: element.naturalWidth, height: element.naturalHeight }));
  const statusText = (await op.locator('.live-responses-table .response .response-col_status').first().innerText()).trim();
  return {
    op,
    image,
    size,
    statusText,
    accept: request.headers()['accept'] ?? '',
    contentType: (await answer?.headerValue('content-type')) ?? '',
  };
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
  // The request Execute sends, to see where it goes (it may not be the block's own path).
  const sent = page.waitForRequest((request) => request.method() === 'POST', { timeout });
  await op.locator('button.execute').first().click();
  const sentPath = new URL((await sent).url()).pathname;
  const status = op.locator('.live-responses-table .response .response-col_status').first();
  await status.waitFor({ timeout });
  const statusText = (await status.innerText()).trim();
  const bodyLocator = op.locator('.live-responses-table .response-col_description pre').first();
  await bodyLocator.waitFor({ timeout });
  const bodyText = await bodyLocator.innerText();
  return { sentBody, sentPath, statusText, bodyText };
}

async function main() {
  const { document, operations } = await documentedOperations();
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

    // Swagger UI builds the request of "Execute" from the operation found by its operationId.
    const byId = new Map();
    for (const o of operations) {
      const id = o.operation.operationId;
      if (id !== undefined) byId.set(id, [...(byId.get(id) ?? []), `${o.method} ${o.path}`]);
    }
    const shared = [...byId].filter(([, owners]) => owners.length > 1);
    check(
      shared.length === 0,
      'every operation has an operationId of its own' +
        (shared.length ? ` (shared: ${shared.map(([id, owners]) => `${id} by ${owners.join(' and ')}`).join('; ')})` : ''),
    );

    for (const operation of posts) {
      const label = `POST ${operation.path}: Try it out → Execute with the example body`;
      const media = operation.operation.requestBody?.content?.['application/json'] ?? {};
      const answerSchema = operation.operation.responses?.['200']?.content?.['application/json']?.schema;
      const answerName = answerSchema?.$ref?.split('/').pop() ?? 'the 200 schema';
      try {
        const { sentBody, sentPath, statusText, bodyText } = await tryItOut(page, operation);
        check(sentBody.trim().length > 2, `${label}: the body editor holds the example (${sentBody.length} chars)`);
        if (media.example !== undefined) {
          let shown;
          try {
            shown = JSON.parse(sentBody);
          } catch {
            shown = undefined;
          }
          check(
            JSON.stringify(shown) === JSON.stringify(media.example),
            `${label}: the body editor holds the operation's own example`,
          );
        }
        check(
          sentPath === operation.path,
          `${label}: the request goes to ${operation.path}` + (sentPath === operation.path ? '' : ` (it went to ${sentPath})`),
        );
        check(statusText.startsWith('200'), `${label}: answers 200 (got ${JSON.stringify(statusText.slice(0, 40))})`);
        let answer;
        try {
          answer = JSON.parse(bodyText);
        } catch {
          answer = undefined;
        }
        const errors = answerSchema
          ? conformance(document, answerSchema, answer)
          : ['the document declares no 200 JSON schema'];
        check(
          answer !== undefined && errors.length === 0,
          `${label}: the response panel shows an answer conforming to ${answerName}` +
            (errors.length ? ` (it does not conform: ${errors.slice(0, 5).join('; ')})` : ''),
        );
        console.log(`   ${operation.path} answered: ${bodyText.replace(/\s+/g, ' ').slice(0, 200)}`);
      } catch (error) {
        check(false, `${label}: ${error.message.split('\n')[0]}`);
      }
    }

    // A chart answer: "Try it out" asking for image/svg+xml shows the chart itself.
    const charted = posts.filter((o) => o.operation.responses?.['200']?.content?.['image/svg+xml']);
    check(charted.length >= 2, `the document offers ${charted.length} chart answers (image/svg+xml), the forecasts' at least`);
    for (const operation of charted) {
      const label = `POST ${operation.path}: Execute with the image/svg+xml media type`;
      try {
        const { op, image, size, statusText, accept, contentType } = await executeForChart(page, operation);
        check(accept.includes('image/svg+xml'), `${label}: the request asks for it in Accept (${JSON.stringify(accept)})`);
        check(statusText.startsWith('200'), `${label}: answers 200 (got ${JSON.stringify(statusText.slice(0, 40))})`);
        check(contentType.startsWith('image/svg+xml'), `${label}: answers image/svg+xml (got ${JSON.stringify(contentType)})`);
        check(size.width >= 1000 && size.height >= 400, `${label}: shows the chart as an image (${size.width}×${size.height})`);
        const stem = operation.path.replace(/^\/v2\//, '').replace(/\//g, '-');
        const block = path.join(artifactsDir, `swagger-ui-${stem}.png`);
        await op.screenshot({ path: block });
        const chart = path.join(artifactsDir, `${stem}-chart.png`);
        await image.screenshot({ path: chart });
        console.log(`swagger-ui: screenshots of POST ${operation.path}'s chart saved to ${block} and ${chart}`);
      } catch (error) {
        check(false, `${label}: ${error.message.split('\n')[0]}`);
      }
    }

    const screenshot = path.join(artifactsDir, 'swagger-ui.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`swagger-ui: screenshot of the whole page saved to ${screenshot}`);
    for (const [route, file] of [
      ['/v1/presets/reconcile', 'swagger-ui-reconcile.png'],
      ['/v2/presets/reconcile', 'swagger-ui-v2-reconcile.png'],
    ]) {
      const block = page.locator(`.opblock.opblock-post:has(.opblock-summary-path[data-path="${route}"])`);
      if ((await block.count()) > 0) {
        const detail = path.join(artifactsDir, file);
        await block.first().screenshot({ path: detail });
        console.log(`swagger-ui: screenshot of POST ${route} after Execute saved to ${detail}`);
      }
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

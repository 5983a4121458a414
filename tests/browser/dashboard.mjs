// The dashboard end to end in headless Chromium (Debian's chromium, driven by
// playwright-core), against a live master and workers that
// tests/dashboard_test.cc starts. That test reads this script's stdout:
//
//   READY_FOR_LOAD      the page checks passed; start the load step and
//                       write its start (unix ms) to $ARTEFACTS/load-started,
//                       and its end to $ARTEFACTS/load-finished
//   PASS                every check passed
//   FAIL: <reason>      a check failed (exit status 1)
//
// Arguments come from the environment:
//   DASHBOARD_URL   http://HOST:PORT/ui/
//   SAMPLE_IMAGE    a zoo sample (PNG); EXPECTED_LABEL its true class name
//   ARCHITECTURE    the architecture the playground asks for
//   ARTEFACTS       where screenshots (one per view) and the log go
//   API_KEY         optional: the key the page is given when it asks
//   CHROMIUM        optional: the browser (default /usr/bin/chromium)

import { chromium } from "playwright-core";
import { existsSync, readFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const env = (name, fallback) => {
  const v = process.env[name] ?? fallback;
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
};
const url = env("DASHBOARD_URL");
const artefacts = env("ARTEFACTS");
mkdirSync(artefacts, { recursive: true });

const consoleErrors = [];
let expectedRefusals = 0;  // "Failed to load resource" lines the test causes on purpose
const say = (line) => process.stdout.write(line + "\n");

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function screenshot(page, name) {
  await page.screenshot({ path: join(artefacts, `${name}.png`), fullPage: true });
}

async function showView(page, view) {
  await page.click(`#tabs button[data-view="${view}"]`);
  await page.waitForSelector(`#view-${view}:not([hidden])`);
}

async function waitForFile(path, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(path)) {
      const text = readFileSync(path, "utf8").trim();
      if (text) return Number(text);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${path} did not appear within ${timeoutMs} ms`);
}

async function run(page) {
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  page.on("pageerror", (e) => consoleErrors.push("uncaught: " + e.message));

  // 1. The page loads; with a key required it asks for one once.
  await page.goto(url);
  if (process.env.API_KEY) {
    await page.waitForSelector("#key-prompt:not([hidden])", { timeout: 10000 });
    expectedRefusals += 2;  // the first cluster and catalogue calls, without a key
    await page.fill("#key-input", process.env.API_KEY);
    await page.click("#key-form button[type=submit]");
  }

  // 2. The cluster view shows the workers.
  await page.waitForSelector("#workers-table tbody tr", { timeout: 15000 });
  const workers = await page.$$eval("#workers-table tbody tr td:first-child",
                                    (cells) => cells.map((c) => c.textContent));
  check(workers.length >= 1, "no worker rows in the cluster view");
  say(`workers shown: ${workers.join(", ")}`);
  await screenshot(page, "cluster");

  // 3. The catalogue lists the registered variants, with both charts drawn.
  await showView(page, "catalogue");
  await page.waitForSelector("#variants-table tbody tr", { timeout: 15000 });
  await page.waitForSelector("#catalogue-tradeoff svg circle");
  await page.waitForSelector("#catalogue-batches svg path");
  await screenshot(page, "catalogue");

  // 4. The playground answers a query with the sample's true class.
  await showView(page, "playground");
  await page.check('input[name=form][value=architecture]');
  await page.fill("input[name=architecture]", env("ARCHITECTURE"));
  await page.fill("input[name=slo]", "5000");
  await page.setInputFiles("input[name=image]", env("SAMPLE_IMAGE"));
  await page.click("#query-run");
  await page.waitForSelector("#query-answer, #query-error", { timeout: 30000 });
  const error = await page.$("#query-error");
  check(!error, "the playground's query failed: " + (error && await error.textContent()));
  const label = (await page.textContent("#query-class")).trim();
  check(label === env("EXPECTED_LABEL"), `answered "${label}", expected "${env("EXPECTED_LABEL")}"`);
  const choice = await page.$$eval("#query-choice tbody td", (c) => c.map((x) => x.textContent));
  check(choice[0].startsWith(env("ARCHITECTURE")), `chosen variant ${choice[0]}`);
  check((await page.textContent("#query-reason")).length > 20, "no reason shown");
  say(`playground: ${label} from ${choice[0]} on ${choice[1]}`);
  await screenshot(page, "playground");

  // 5. An impossible request shows the nearest alternatives.
  await page.check('input[name=form][value=task]');
  await page.fill("input[name=dataset]", "fashion-mnist");
  await page.fill("input[name=accuracy]", "99.5");
  await page.fill("input[name=slo]", "5000");
  expectedRefusals += 1;
  await page.click("#query-run");
  await page.waitForSelector("#query-error", { timeout: 30000 });
  const refusal = await page.textContent("#query-error");
  const named = await page.$$eval("#query-alternatives li code", (c) => c.map((x) => x.textContent));
  check(named.length >= 1, "the refusal lists no alternatives: " + refusal);
  say(`impossible request: ${refusal.slice(0, 200)}; alternatives ${named.join(", ")}`);
  await screenshot(page, "playground-impossible");

  // A name made of markup comes back in the refusal as text, not as markup.
  const hostile = '<img src=x onerror="window.__injected = 1">';
  await page.check('input[name=form][value=architecture]');
  await page.fill("input[name=architecture]", hostile);
  expectedRefusals += 1;
  await page.click("#query-run");
  try {
    await page.waitForFunction((name) => (document.querySelector("#query-error") || {})
      .textContent?.includes(name), hostile, { timeout: 30000 });
  } catch (e) {
    throw new Error("the refusal does not show the name as text: " +
                    await page.textContent("#query-result"));
  }
  check(await page.$("#query-result img") === null, "the refusal's text became an element");
  check(await page.evaluate(() => window.__injected) === undefined, "markup in a name ran");

  // 6. Offline jobs list the job the test submitted.
  await showView(page, "jobs");
  await page.waitForSelector("#jobs tbody tr", { timeout: 15000 });
  await screenshot(page, "jobs");

  // 7. After a load step the autoscaler's timeline shows an action.
  await showView(page, "autoscaler");
  await page.waitForSelector("#autoscaler-name");
  say("READY_FOR_LOAD");
  const loadStart = await waitForFile(join(artefacts, "load-started"), 120000);
  await page.waitForFunction((start) => [...document.querySelectorAll("#actions-table tbody tr")]
    .some((row) => Number(row.dataset.atUnixMs) >= start), loadStart, { timeout: 120000 });
  await page.waitForSelector("#autoscaler-timeline svg .marker", { state: "attached" });
  // The screenshots show the whole step.
  await waitForFile(join(artefacts, "load-finished"), 120000);
  await new Promise((r) => setTimeout(r, 1500));
  await showView(page, "cluster");
  await page.waitForSelector("#workers-table tbody tr");
  await screenshot(page, "cluster-after-load");
  await showView(page, "autoscaler");
  await page.waitForSelector("#actions-table tbody tr");
  const actions = await page.$$eval("#actions-table tbody tr",
                                    (rows) => rows.map((r) => r.dataset.kind));
  say(`autoscaler actions: ${actions.join(", ")}`);
  await screenshot(page, "autoscaler");

  // 8. The SLO view charts the queries of the load step.
  await showView(page, "slo");
  await page.waitForSelector("#slo-table tbody tr");
  await page.waitForSelector("#slo-attainment svg path", { state: "attached" });
  await screenshot(page, "slo");
  // Grouped by family, every query of the zoo's models falls in one row (the
  // made-up name of the hostile query stays "(unregistered)").
  await page.selectOption("#slo-group", "family");
  await page.waitForFunction(() => [...document.querySelectorAll("#slo-table tbody tr td:first-child")]
    .map((c) => c.textContent).join() === "(unregistered),classification/fashion-mnist");
  await screenshot(page, "slo-by-family");

  const unexpected = consoleErrors.filter((e) => !/^Failed to load resource: the server responded with a status of 4\d\d/.test(e));
  const refusals = consoleErrors.length - unexpected.length;
  check(unexpected.length === 0, "console errors: " + unexpected.join(" | "));
  check(refusals <= expectedRefusals,
        `${refusals} failed requests in the console, ${expectedRefusals} expected: ` +
        consoleErrors.join(" | "));
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await run(page);
  say("PASS");
} catch (e) {
  say("FAIL: " + e.message.replace(/\s+/g, " "));
  process.exitCode = 1;
} finally {
  await browser.close();
}

// What an incoming message costs the web client with 500 messages loaded in the open chat,
// and how big the page is then: main-thread time per message (Chromium's TaskDuration, over
// 40 messages, at full speed and at 4x CPU slowdown) and DOM nodes. Run by hand (needs
// /usr/bin/chromium); the figures are in docs/web-performance.md:
//
//   npx tsx scripts/web-perf.ts                      # this checkout's web/
//   npx tsx scripts/web-perf.ts /tmp/web-before      # another checkout's (its node_modules linked)
import { ChatClient } from "edge-chat/client";
import type { Page } from "playwright-core";
import { launchChromium } from "./chromium";
import { startLocalServer } from "./local-server";

const PASSWORD = "correct horse battery";
const LOADED = 500;
const MEASURED = 40;
const cwd = process.argv[2];
const server = await startLocalServer({ ...(cwd && { cwd }), vars: { SENDS_PER_USER_BURST: "5000" } });
const browser = await launchChromium();
const clients: ChatClient[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function user(username: string): Promise<ChatClient> {
  const client = new ChatClient({ url: server.wsUrl });
  clients.push(client);
  await client.register({ username, password: PASSWORD, email: `${username}@example.com` });
  return client;
}

/** Scrolls the thread up until its whole history is loaded, then back to the bottom. */
async function loadAll(page: Page): Promise<void> {
  while (!(await page.locator(".older .thread-note").count())) {
    await page.locator(".thread").evaluate((t) => (t.scrollTop = 0));
    await sleep(150);
  }
  const jump = page.locator(".jump:not([hidden])");
  if (await jump.count()) await jump.click();
  else await page.locator(".thread").evaluate((t) => (t.scrollTop = t.scrollHeight));
  await sleep(500);
}

async function perMessage(page: Page, from: ChatClient, chatId: string, label: string): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  const task = async () => (await cdp.send("Performance.getMetrics")).metrics.find((m) => m.name === "TaskDuration")!.value;
  const before = await task();
  if (process.env.PROFILE) {
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.start");
  }
  for (let i = 1; i <= MEASURED; i++) {
    const content = `${label} ${i}`;
    // Waits on a MutationObserver, not by polling the page, which would cost it time of its own.
    // (A string: tsx would name the function's inner arrows with a helper the page does not have.)
    const shown = page.evaluate(`new Promise((resolve) => {
      const done = () => [...document.querySelectorAll(".messages .msg .text")].at(-1)?.textContent === ${JSON.stringify(content)};
      if (done()) return resolve();
      const watch = new MutationObserver(() => done() && (watch.disconnect(), resolve()));
      watch.observe(document.body, { childList: true, subtree: true });
    })`);
    await from.sendMessage({ chat_id: chatId, content });
    await shown;
  }
  const per = ((await task()) - before) / MEASURED;
  if (process.env.PROFILE) {
    const { profile } = await cdp.send("Profiler.stop");
    const self = new Map<string, number>();
    const dt = new Map<number, number>();
    for (const [i, id] of (profile.samples ?? []).entries()) dt.set(id, (dt.get(id) ?? 0) + (profile.timeDeltas?.[i] ?? 0));
    for (const n of profile.nodes) {
      const name = `${n.callFrame.functionName || "(anon)"} ${n.callFrame.url.split("/").pop()}:${n.callFrame.lineNumber}`;
      self.set(name, (self.get(name) ?? 0) + (dt.get(n.id) ?? 0));
    }
    console.log(
      [...self]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 15)
        .map(([n, us]) => `${(us / 1000).toFixed(0)} ms ${n}`)
        .join("\n"),
    );
  }
  return per;
}

try {
  const stamp = Date.now().toString(36);
  const [sender, reader] = [await user(`perf_s${stamp}`), await user(`perf_r${stamp}`)];
  const { chat } = await sender.createChat({ username: `perf_r${stamp}` });
  for (let i = 1; i <= LOADED; i++)
    await sender.sendMessage({
      chat_id: chat.chat_id,
      content: `history message ${i} with a few words in it, as people write them`,
    });
  await reader.markRead({ chat_id: chat.chat_id, seq: LOADED + 10 });

  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await page.goto(server.url);
  await page.getByLabel("Username", { exact: true }).fill(`perf_r${stamp}`);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Log in", exact: true }).click();
  await page.locator(".chat-item").first().click();
  await page.locator(".messages .msg").first().waitFor();
  await loadAll(page);

  const nodes = await page.evaluate(() => ({
    page: document.getElementsByTagName("*").length,
    thread: document.querySelectorAll(".messages *").length + 1,
    items: document.querySelectorAll(".messages > li").length,
  }));
  const full = await perMessage(page, sender, chat.chat_id, "live");
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
  const slow = await perMessage(page, sender, chat.chat_id, "slow");
  console.log(
    JSON.stringify(
      {
        checkout: cwd ?? process.cwd(),
        loaded: LOADED,
        domNodes: nodes,
        msPerMessage: Number((full * 1000).toFixed(1)),
        msPerMessageAt4xSlowdown: Number((slow * 1000).toFixed(1)),
      },
      null,
      2,
    ),
  );
} finally {
  for (const c of clients) c.close();
  await browser.close();
  await server.stop();
}

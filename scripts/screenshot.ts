// Takes docs/screenshot.png: the web client in Chromium with a few seeded conversations,
// against a fresh `wrangler dev`. Run with `npm run screenshot` (needs /usr/bin/chromium).
import { ChatClient } from "edge-chat/client";
import { launchChromium } from "./chromium";
import { startLocalServer } from "./local-server";

const PASSWORD = "correct horse battery";
const server = await startLocalServer();
const clients: ChatClient[] = [];
const browser = await launchChromium();

async function user(username: string): Promise<ChatClient> {
  const client = new ChatClient({ url: server.wsUrl });
  clients.push(client);
  await client.register({ username, password: PASSWORD, email: `${username}@example.com` });
  return client;
}

try {
  const [ada, grace, linus, margaret] = [await user("ada"), await user("grace"), await user("linus"), await user("margaret")];
  const say = async (who: ChatClient, chatId: string, content: string, group = false) =>
    group ? who.sendGroupMessage({ chat_id: chatId, content }) : who.sendMessage({ chat_id: chatId, content });

  const { chat: withMargaret } = await ada.createChat({ username: "margaret" });
  await say(margaret, withMargaret.chat_id, "Lunch on Friday?");
  await say(ada, withMargaret.chat_id, "Sure, 12:30 works");

  const { chat: withLinus } = await linus.createChat({ username: "ada" });
  await say(linus, withLinus.chat_id, "Pushed the fix for the flaky reconnect test");
  await say(linus, withLinus.chat_id, "Can you review when you have a minute?");

  const { chat: crew } = await ada.createGroup({ title: "Launch crew", members: ["grace", "linus"] });
  const g = crew.chat_id;
  await say(ada, g, "Morning! Status check for the launch", true);
  await say(grace, g, "Edge deploy is green in every region", true);
  await say(linus, g, "Load test done: p99 under 40 ms for message fan-out", true);
  await say(grace, g, "Nice. Docs are up too", true);
  await say(ada, g, "Great work, both of you. Shipping at 3 pm", true);
  const { message: last } = await say(ada, g, "I'll post the announcement", true);

  const page = await browser.newPage({ viewport: { width: 1280, height: 760 }, deviceScaleFactor: 1 });
  await page.goto(server.url);
  await page.getByLabel("Username", { exact: true }).fill("ada");
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Log in", exact: true }).click();
  await page.locator(".chat-item", { hasText: "Launch crew" }).click();
  // Read receipts are only pushed (nothing returns them later), so they are made while the page listens.
  await grace.markRead({ chat_id: g, seq: last.seq });
  await linus.markRead({ chat_id: g, seq: last.seq });
  await page.getByText("Seen by everyone").waitFor();
  await say(grace, g, "Congrats, everyone!", true);
  await page.locator(".messages .msg .text", { hasText: "Congrats" }).waitFor();
  await grace.typing({ chat_id: g });
  await page.getByText("grace is typing…").waitFor();
  await page.screenshot({ path: "docs/screenshot.png" });
  console.log("wrote docs/screenshot.png");
} finally {
  for (const c of clients) c.close();
  await browser.close();
  await server.stop();
}

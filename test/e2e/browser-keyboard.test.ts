// The web client by keyboard alone, with where the focus is checked at every step:
// registering, opening a chat, sending, editing, deleting, scrolling the thread, every
// dialog, logging out and in; on a phone, opening a chat and going back. And what a screen
// reader hears: the thread is a list updated item by item, and a message in a chat that is
// not open is announced and counted in the page title.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import {
  announcements,
  chatItem,
  composer,
  DESKTOP,
  expectFocused,
  hasChromium,
  message,
  PASSWORD,
  PHONE,
  ringClipped,
  tabTo,
  uniqueName,
  useBrowser,
} from "./browser-helpers";

const heading1 = (page: Page, name: string) => page.getByRole("heading", { level: 1, name, exact: true });

describe.skipIf(!hasChromium)("the web client by keyboard", () => {
  const env = useBrowser();

  it("registers, opens a chat, sends, edits, deletes, scrolls the thread, logs out and in, by keyboard alone", async () => {
    const page = await env.newPage(DESKTOP);
    const me = uniqueName("kay");
    await page.goto(env.server.url);
    const username = page.getByLabel("Username", { exact: true });
    await expectFocused(page, username, "the log in form's username");

    // Register: to the tabs, across to Register, through its fields, Enter.
    await page.keyboard.press("Shift+Tab");
    await expectFocused(page, page.getByRole("tab", { name: "Log in" }), "the Log in tab");
    await page.keyboard.press("ArrowRight");
    await expectFocused(page, page.getByRole("tab", { name: "Register" }), "the Register tab");
    await page.keyboard.press("Tab");
    await expectFocused(page, username, "the register form's username");
    await page.keyboard.type(me);
    await page.keyboard.press("Tab");
    await expectFocused(page, page.getByLabel("Email", { exact: true }), "the email field");
    await page.keyboard.type(`${me}@example.com`);
    await page.keyboard.press("Tab");
    await expectFocused(page, page.getByLabel("Password", { exact: true }), "the password field");
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press("Enter");
    await expectFocused(page, heading1(page, "edge-chat"), "the chat list's heading after registering");

    // Open the chat someone started; the composer takes the keyboard.
    const { client: bob, username: bobName } = await env.apiUser("bob");
    const { chat } = await bob.createChat({ username: me });
    await bob.sendMessage({ chat_id: chat.chat_id, content: "Hi, keyboard user" });
    await chatItem(page, bobName).waitFor();
    await tabTo(page, chatItem(page, bobName), "Bob's chat in the list");
    expect(await ringClipped(page)).toBeNull();
    await page.keyboard.press("Enter");
    await message(page, "Hi, keyboard user").waitFor();
    await expectFocused(page, composer(page), "the composer of the chat just opened");

    // Send.
    await page.keyboard.type("Typed, not clicked");
    await page.keyboard.press("Enter");
    const mine = message(page, "Typed, not clicked");
    await mine.locator(".meta time").waitFor();
    await expectFocused(page, composer(page), "the composer after sending");

    // Back past Attach file to the message's toolbar: one Tab stop, entered on Reply; the
    // arrows, Home and End move along it (Reply, React, Edit, Delete), each named after the message.
    const time = await mine.locator(".meta time").textContent();
    await page.keyboard.press("Shift+Tab");
    await expectFocused(page, page.getByRole("button", { name: "Attach file" }), "Attach file");
    await page.keyboard.press("Shift+Tab");
    const tools = mine.getByRole("toolbar", { name: `Message sent ${time}` });
    await expectFocused(page, tools.getByRole("button", { name: `Reply to message sent ${time}`, exact: true }), "the message's Reply");
    expect(await ringClipped(page)).toBeNull();
    await page.keyboard.press("ArrowRight");
    await expectFocused(page, tools.getByRole("button", { name: `React to message sent ${time}`, exact: true }), "the message's React");
    await page.keyboard.press("End");
    await expectFocused(page, tools.getByRole("button", { name: `Delete message sent ${time}`, exact: true }), "the message's Delete");
    expect(await ringClipped(page)).toBeNull();
    await page.keyboard.press("ArrowLeft");
    const edit = tools.getByRole("button", { name: `Edit message sent ${time}`, exact: true });
    await expectFocused(page, edit, "the message's Edit");
    expect(await ringClipped(page)).toBeNull();
    await page.keyboard.press("Enter");
    await expectFocused(page, page.getByRole("textbox", { name: "Edited text" }), "the edit box");
    await page.keyboard.press("Control+a");
    await page.keyboard.type("Typed, then edited");
    await page.keyboard.press("Enter");
    const edited = message(page, "Typed, then edited");
    await edited.getByText("edited", { exact: true }).waitFor();
    const editAgain = edited.getByRole("button", { name: /^Edit message sent / });
    await expectFocused(page, editAgain, "the edited message's Edit");
    await page.keyboard.press("Enter");
    await expectFocused(page, page.getByRole("textbox", { name: "Edited text" }), "the edit box again");
    await page.keyboard.press("Escape");
    await expectFocused(page, editAgain, "Edit after Escape left the edit box");

    // A message arrives while the keyboard is on a message's button: it stays there.
    await bob.sendMessage({ chat_id: chat.chat_id, content: "Nice edit" });
    await message(page, "Nice edit").waitFor();
    await expectFocused(page, editAgain, "the same Edit after a message came in");
    // Tab leaves the toolbar at once (to the next message's), and Shift+Tab comes back to the button it left.
    await page.keyboard.press("Tab");
    await expectFocused(
      page,
      message(page, "Nice edit").getByRole("button", { name: /^Reply to message sent / }),
      "the next message's Reply",
    );
    await page.keyboard.press("Shift+Tab");
    await expectFocused(page, editAgain, "Edit again, the toolbar's last used");

    // Delete: the dialog opens on Cancel; Escape comes back; confirming lands on the message.
    await page.keyboard.press("ArrowRight");
    const del = edited.getByRole("button", { name: /^Delete message sent / });
    await expectFocused(page, del, "the edited message's Delete");
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog");
    await expectFocused(page, dialog.getByRole("button", { name: "Cancel" }), "Cancel in the delete dialog");
    await page.keyboard.press("Escape");
    await expectFocused(page, del, "Delete again after Escape");
    await page.keyboard.press("Enter");
    await expectFocused(page, dialog.getByRole("button", { name: "Cancel" }), "Cancel in the delete dialog");
    await page.keyboard.press("Tab");
    await expectFocused(page, dialog.getByRole("button", { name: "Delete", exact: true }), "the dialog's Delete");
    await page.keyboard.press("Enter");
    const deleted = page.locator(".messages .msg", { hasText: "Message deleted" });
    await expectFocused(page, deleted, "the deleted message");
    expect(await ringClipped(page)).toBeNull();

    // The thread scrolls from the keyboard: it is a named, focusable region.
    for (let i = 1; i <= 30; i++) await bob.sendMessage({ chat_id: chat.chat_id, content: `line ${i}` });
    await message(page, "line 30").waitFor();
    const thread = page.getByRole("region", { name: "Messages" });
    await tabTo(page, thread, "the thread", true);
    expect(await ringClipped(page)).toBeNull();
    const scrollTop = () => thread.evaluate((el) => el.scrollTop);
    const bottom = await thread.evaluate((el) => el.scrollHeight - el.clientHeight);
    expect(bottom).toBeGreaterThan(0);
    // Tabbing back over the messages' toolbars scrolled it up to them: End goes to the bottom.
    await page.keyboard.press("End");
    await expect.poll(scrollTop).toBeGreaterThan(bottom - 2);
    await page.keyboard.press("PageUp");
    await expect.poll(scrollTop).toBeLessThan(bottom - 100);
    await page.keyboard.press("Home");
    await expect.poll(scrollTop).toBe(0);
    await page.keyboard.press("End");
    await expect.poll(scrollTop).toBeGreaterThan(bottom - 2);

    // Scrolled up, the jump button (just before the thread: one Shift+Tab, not past every
    // message) says what is new below and takes the keyboard back down.
    await page.keyboard.press("Home");
    await expect.poll(scrollTop).toBe(0);
    const jump = page.getByRole("button", { name: /^Jump to latest message/ });
    await page.keyboard.press("Shift+Tab");
    await expectFocused(page, jump, "the jump button");
    expect(await ringClipped(page)).toBeNull();
    await bob.sendMessage({ chat_id: chat.chat_id, content: "below the fold" });
    await expect.poll(() => jump.getAttribute("aria-label")).toBe("Jump to latest message, 1 new");
    await expectFocused(page, jump, "the jump button while a message came in");
    await page.keyboard.press("Enter");
    await expectFocused(page, thread, "the thread after jumping to the latest");
    await expect.poll(() => thread.evaluate((el) => el.scrollHeight - el.clientHeight - el.scrollTop)).toBeLessThan(2);

    // Log out; the log in form has the keyboard. Log in again: the list's heading has it.
    await tabTo(page, page.getByRole("button", { name: "Log out" }), "Log out", true);
    await page.keyboard.press("Enter");
    await expectFocused(page, username, "the username after logging out");
    await page.keyboard.type(me);
    await page.keyboard.press("Tab");
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press("Enter");
    await expectFocused(page, heading1(page, "edge-chat"), "the chat list's heading after logging in");
  });

  it("replies, reacts and mentions by keyboard alone: the reply bar, the picker and the suggestions", async () => {
    const page = await env.newPage(DESKTOP);
    const me = await env.signUp(page, "rex");
    const [sam] = await env.apiUsers("sam");
    const { chat } = await sam.client.createGroup({ title: "Porch", members: [me] });
    const { message: coffeeMsg } = await sam.client.sendGroupMessage({ chat_id: chat.chat_id, content: "Coffee?" });
    await chatItem(page, "Porch").waitFor();
    await tabTo(page, chatItem(page, "Porch"), "the Porch chat");
    await page.keyboard.press("Enter");
    await expectFocused(page, composer(page), "the composer");
    const coffee = message(page, "Coffee?");
    const reply = coffee.getByRole("button", { name: /^Reply to message sent / });
    const react = coffee.getByRole("button", { name: /^React to message sent / });
    const bar = page.locator(".reply-bar");

    // Reply: the quote goes above the composer, which takes the keyboard; Escape cancels it.
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Shift+Tab");
    await expectFocused(page, reply, "Reply");
    await page.keyboard.press("Enter");
    await expectFocused(page, composer(page), "the composer, replying");
    await expect.poll(() => bar.isVisible()).toBe(true);
    await page.keyboard.press("Escape");
    await expect.poll(() => bar.isHidden()).toBe(true);
    await expectFocused(page, composer(page), "the composer, the reply cancelled");

    // React: the picker opens on its first emoji, the arrows move along it, Escape goes back to React.
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Shift+Tab");
    await expectFocused(page, reply, "Reply, where the toolbar was left");
    await page.keyboard.press("ArrowRight");
    await expectFocused(page, react, "React");
    await page.keyboard.press("Enter");
    const picks = coffee.getByRole("group", { name: /^Pick a reaction/ }).getByRole("button");
    await expectFocused(page, picks.nth(0), "the picker's first emoji");
    await page.keyboard.press("ArrowRight");
    await expectFocused(page, picks.nth(1), "the picker's second emoji");
    await page.keyboard.press("Escape");
    await expectFocused(page, react, "React after Escape");
    await page.keyboard.press("Enter");
    await expectFocused(page, picks.nth(0), "the picker's first emoji again");
    await page.keyboard.press("Enter");
    const mine = coffee.getByRole("button", { name: /^👍 1 on message sent .*, yours$/ });
    await expectFocused(page, mine, "your reaction");
    // Taking it back leaves no count: the keyboard goes back to React.
    await page.keyboard.press("Enter");
    await expect.poll(() => coffee.locator(".reaction").count()).toBe(0);
    await expectFocused(page, react, "React, once the count is gone");

    // A reply with a mention: "@" lists the members, Enter picks one, Enter sends.
    await page.keyboard.press("ArrowLeft");
    await expectFocused(page, reply, "Reply");
    await page.keyboard.press("Enter");
    await expectFocused(page, composer(page), "the composer, replying");
    await page.keyboard.type("Yes @s");
    await page.getByRole("option", { name: sam.username }).waitFor();
    await page.keyboard.press("Enter");
    await page.keyboard.type("two sugars");
    await page.keyboard.press("Enter");
    await message(page, "two sugars").locator(".meta time").waitFor();
    expect(await message(page, "two sugars").locator(".quote-text").textContent()).toBe("Coffee?");
    const { messages } = await sam.client.getMessages({ chat_id: chat.chat_id });
    expect(messages.at(-1)).toMatchObject({
      content: `Yes @${sam.username} two sugars`,
      mentions: [sam.username],
      reply_to: { seq: coffeeMsg.seq },
    });
  });

  it("works every dialog by keyboard: New chat, New group, Members (remove, add), Leave group, Close and Escape", async () => {
    const page = await env.newPage(DESKTOP);
    const me = await env.signUp(page, "lou");
    const [pat, quinn, ray] = await env.apiUsers("pat", "quinn", "ray");
    const dialog = page.getByRole("dialog");
    const newChat = page.getByRole("button", { name: "New chat", exact: true });

    // New chat: an unknown name keeps the keyboard in the field; Escape and Close go back.
    await tabTo(page, newChat, "New chat");
    await page.keyboard.press("Enter");
    const who = dialog.getByLabel("Username", { exact: true });
    await expectFocused(page, who, "the new chat's username");
    await page.keyboard.type("nobody_is_called_this");
    await page.keyboard.press("Enter");
    await dialog.getByText("There is no user with that name.").waitFor();
    await expectFocused(page, who, "the username after an error");
    await page.keyboard.press("Escape");
    await expectFocused(page, newChat, "New chat after Escape");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Shift+Tab");
    await expectFocused(page, dialog.getByRole("button", { name: "Close" }), "the dialog's Close");
    await page.keyboard.press("Enter");
    await expectFocused(page, newChat, "New chat after Close");
    await page.keyboard.press("Enter");
    await expectFocused(page, who, "the new chat's username");
    await page.keyboard.type(pat.username);
    await page.keyboard.press("Enter");
    await page.locator(".chat-title", { hasText: pat.username }).waitFor();
    await expectFocused(page, composer(page), "the composer of the new chat");

    // New group.
    await tabTo(page, page.getByRole("button", { name: "New group", exact: true }), "New group", true);
    await page.keyboard.press("Enter");
    await expectFocused(page, dialog.getByLabel("Group name"), "the group's name");
    await page.keyboard.type("Keyboard crew");
    await page.keyboard.press("Tab");
    await expectFocused(page, dialog.getByLabel("Members", { exact: true }), "the group's members");
    await page.keyboard.type(`${pat.username}, ${quinn.username}`);
    await page.keyboard.press("Enter");
    await page.locator(".chat-title", { hasText: "Keyboard crew" }).waitFor();
    await expectFocused(page, composer(page), "the composer of the new group");

    // Members: removing one leaves the keyboard on the Remove button now in its place.
    await tabTo(page, page.getByRole("button", { name: "Members", exact: true }), "Members", true);
    await page.keyboard.press("Enter");
    const add = dialog.getByLabel("Add members");
    await expectFocused(page, add, "Add members");
    await page.keyboard.press("Shift+Tab");
    const removeQuinn = dialog.getByRole("button", { name: `Remove ${quinn.username}` });
    await expectFocused(page, removeQuinn, `Remove ${quinn.username}`);
    await page.keyboard.press("Shift+Tab");
    await expectFocused(page, dialog.getByRole("button", { name: `Remove ${pat.username}` }), `Remove ${pat.username}`);
    await page.keyboard.press("Enter");
    await expect.poll(() => dialog.locator(".member-name").allTextContents()).toEqual([`${me} (you)`, quinn.username]);
    await expectFocused(page, removeQuinn, `Remove ${quinn.username}, in ${pat.username}'s place`);
    await page.keyboard.press("Tab");
    await expectFocused(page, add, "Add members");
    await page.keyboard.type(ray.username);
    await page.keyboard.press("Enter");
    await expect.poll(() => dialog.locator(".member-name").allTextContents()).toEqual([`${me} (you)`, quinn.username, ray.username]);
    await expectFocused(page, add, "Add members after adding");

    // Leave: the confirmation opens on Cancel; leaving lands on the note that says so.
    await tabTo(page, dialog.getByRole("button", { name: "Leave group" }), "Leave group");
    await page.keyboard.press("Enter");
    await expectFocused(page, dialog.getByRole("button", { name: "Cancel" }), "Cancel in the leave dialog");
    await page.keyboard.press("Tab");
    await expectFocused(page, dialog.getByRole("button", { name: "Leave group" }), "the dialog's Leave group");
    await page.keyboard.press("Enter");
    await expectFocused(page, page.getByRole("heading", { name: "You are no longer in Keyboard crew." }), "the note about leaving");
  });

  it("on a phone, opening a chat puts the keyboard on its title (the page's h1), and Back to chats on its row", async () => {
    const page = await env.newPage(PHONE);
    const me = await env.signUp(page, "mo");
    const [una, vic] = await env.apiUsers("una", "vic");
    await una.client.createChat({ username: me });
    await vic.client.createChat({ username: me });
    await chatItem(page, una.username).waitFor();
    await chatItem(page, vic.username).waitFor();

    // The list is the page at this size: its main landmark and h1 are there.
    expect(await page.getByRole("main").isVisible()).toBe(true);
    expect(await heading1(page, "edge-chat").isVisible()).toBe(true);
    // Una's is the second row (Vic's chat is newer).
    expect(await page.locator(".chat-item-title").allTextContents()).toEqual([vic.username, una.username]);
    await tabTo(page, chatItem(page, una.username), "Una's chat");
    await page.keyboard.press("Enter");
    await expectFocused(page, heading1(page, una.username), "the open chat's title");
    expect(await chatItem(page, una.username).isVisible()).toBe(false);
    expect(await page.getByRole("main").isVisible()).toBe(true);
    await page.keyboard.press("Shift+Tab");
    const back = page.getByRole("button", { name: "Back to chats" });
    await expectFocused(page, back, "Back to chats");
    await page.keyboard.press("Enter");
    await expectFocused(page, chatItem(page, una.username), "Una's row, not the first one");
  });

  it("announces a message in a chat that is not open and counts it in the title; the open thread changes only by the new item", async () => {
    const page = await env.newPage(DESKTOP);
    const me = await env.signUp(page, "nia");
    const [bob, cat] = await env.apiUsers("bob", "cat");
    const { chat: withBob } = await bob.client.createChat({ username: me });
    const { chat: withCat } = await cat.client.createChat({ username: me });
    const { chat: crew } = await cat.client.createGroup({ title: "Night shift", members: [me, bob.username] });
    await cat.client.sendMessage({ chat_id: withCat.chat_id, content: "Open me" });
    await chatItem(page, "Night shift").waitFor();
    await chatItem(page, cat.username).click();
    await message(page, "Open me").waitFor();
    await expect.poll(() => page.title()).toBe("edge-chat");

    // A plain list (not a live log), inside a region named for the keyboard.
    const list = page.getByRole("region", { name: "Messages" }).getByRole("list");
    expect(await list.getAttribute("role")).toBeNull();
    expect(await list.getAttribute("aria-live")).toBeNull();
    await list.locator("li").evaluateAll((items) => {
      for (const li of items) (li as HTMLElement & { kept?: boolean }).kept = true;
    });

    await bob.client.sendMessage({ chat_id: withBob.chat_id, content: "Are you free at six?" });
    await expect.poll(() => announcements(page)).toContain(`New message from ${bob.username}: Are you free at six?`);
    await expect.poll(() => page.title()).toBe("(1) edge-chat");
    await expect.poll(() => chatItem(page, bob.username).locator(".badge").textContent()).toBe("1 unread");
    await cat.client.sendGroupMessage({ chat_id: crew.chat_id, content: "Who brings coffee?" });
    await expect.poll(() => announcements(page)).toContain(`New message from ${cat.username} in Night shift: Who brings coffee?`);
    await expect.poll(() => page.title()).toBe("(2) edge-chat");

    // In the open chat: the sender and the text, and one new item; the others are untouched.
    await cat.client.sendMessage({ chat_id: withCat.chat_id, content: "Still there?" });
    await expect.poll(() => announcements(page)).toContain(`${cat.username}: Still there?`);
    const kept = await list.locator("li").evaluateAll((items) => items.map((li) => !!(li as HTMLElement & { kept?: boolean }).kept));
    expect(kept).toEqual([...kept.slice(0, -1).map(() => true), false]);
    expect(await page.title()).toBe("(2) edge-chat");

    await chatItem(page, bob.username).click();
    await message(page, "Are you free at six?").waitFor();
    await expect.poll(() => page.title()).toBe("(1) edge-chat");
  });
});

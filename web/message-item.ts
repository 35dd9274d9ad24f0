// One message in the thread: its bubble (the sender in a group, in their colour; the quote
// it replies to; the text with its links; the photo or file; the time, "edited"), its
// toolbar (Reply, React, and Edit and Delete on yours or Report on another's) and the form
// that edits yours, your messages on their way, and under your latest who has read it; the
// reactions under it (yours pressed) and a picker of common emojis, each a toggle. Each is
// a keyed item (dom.ts): its version changes whenever what it shows does.
import type { Chat, ChatClient, Message, ReplyTo } from "edge-chat/client";
import type { Attachments } from "./attachments";
import type { Dialogs } from "./dialogs";
import { clockTime, fullTime, h, type Keyed, toolbar } from "./dom";
import { describe, showError, submitOnEnter } from "./forms";
import { mentionsIn } from "./mention-text";
import { sender, withLinks } from "./message-text";
import type { Outgoing, Store } from "./store";

/** A message's item, the same for your message on its way and once it is stored. */
export const keyOf = (sender: string, seq: number, clientMsgId: string | undefined) =>
  clientMsgId ? `c:${sender}:${clientMsgId}` : `s:${seq}`;

/** Where the keyboard goes once the thread shows an item: a control in it, or the item. */
export interface FocusTarget {
  key: string;
  control?: string;
}

export interface ItemsHost {
  /** A message this side stored (edited, deleted): the same path as a pushed one. */
  received(m: Message, changed: boolean): void;
  resend(out: Outgoing): void;
  /** Draws the thread again (an edit started or ended, a message was discarded). */
  rerender(): void;
  /** Focuses a message's control (or the message) now, or (`later`) when the thread is next drawn. */
  focusItem(target: FocusTarget, later?: boolean): void;
  /** Whether what waits for a connection goes out by itself (the browser is offline, or the socket is down). */
  offline(): boolean;
  /** Says it through the app's one live region. */
  announce(text: string): void;
  /** Puts the message's quote above the composer. */
  reply(m: Message): void;
  /** Shows message `seq` of the open chat, loading pages until it is in, with the keyboard on it. */
  reveal(seq: number): void;
}

/** The emojis the picker offers. */
export const PICKER = ["👍", "❤️", "😂", "😮", "😢", "🙏"];

export class MessageItems {
  /** The message whose emoji picker is open. */
  private picking: { chatId: string; seq: number } | null = null;
  /** The message being edited, and its form, kept across re-renders so typing is not lost. */
  private editing: { chatId: string; seq: number; form: HTMLElement | null } | null = null;

  constructor(
    private readonly store: Store,
    private readonly client: ChatClient,
    private readonly dialogs: Dialogs,
    private readonly attachments: Attachments,
    private readonly host: ItemsHost,
  ) {}

  stopEditing(): void {
    this.editing = null;
  }

  message(chat: Chat, m: Message, prev: Message | undefined, status: string | null, unread: boolean): Keyed {
    const mine = m.sender === this.store.me;
    const grouped = !!prev && prev.sender === m.sender && m.timestamp - prev.timestamp < 5 * 60_000 && !prev.deleted;
    const editing = mine && !m.deleted && this.editing?.chatId === chat.chat_id && this.editing.seq === m.seq ? this.editing : null;
    const showSender = !mine && chat.type === "group" && !grouped;
    const key = keyOf(m.sender, m.seq, m.client_msg_id);
    const time = clockTime(m.timestamp);
    // What the message's buttons are described by: its text, else its attachment.
    const textId = `msg-text-${m.seq}`;
    const hasText = !m.deleted && !(!m.content && m.attachment);
    const mentionsMe = !mine && !m.deleted && !!m.mentions?.includes(this.store.me);
    const picking = this.picking?.chatId === chat.chat_id && this.picking.seq === m.seq;
    const render = () => {
      if (editing && !editing.form) editing.form = this.editForm(chat, m, key);
      const body = editing
        ? editing.form!
        : h(
            "div",
            { class: "bubble" },
            showSender ? sender(m.sender) : h("span", { class: "sr-only" }, `${mine ? "You" : m.sender}: `),
            mentionsMe ? h("span", { class: "sr-only" }, "Mentions you. ") : null,
            m.reply_to && !m.deleted ? this.quote(m.reply_to) : null,
            m.deleted
              ? h("p", { class: "text text-deleted", id: textId }, "Message deleted")
              : this.attachments.view(m, hasText ? undefined : textId),
            hasText ? h("p", { class: "text", id: textId }, ...withLinks(m.content)) : null,
            h(
              "span",
              { class: "meta" },
              m.edited_at && !m.deleted ? h("span", { class: "edited", title: `Edited ${fullTime(m.edited_at)}` }, "edited") : null,
              h("time", { datetime: new Date(m.timestamp).toISOString(), title: fullTime(m.timestamp) }, time),
            ),
          );
      return h(
        "li",
        // data-unread: the thread watches it until it has been on the screen (thread.ts).
        {
          class: `msg${mine ? " mine" : ""}${grouped ? " grouped" : ""}${m.deleted ? " deleted" : ""}${mentionsMe ? " mentions-me" : ""}`,
          "data-seq": m.seq,
          "data-unread": unread,
          tabindex: "-1",
        },
        body,
        m.deleted || editing ? null : this.actions(chat, m, key, time, textId, picking),
        m.deleted || editing ? null : this.reactions(chat, m, key, time, textId, picking),
        status ? h("p", { class: `status${status === "Sent" ? "" : " seen"}` }, status) : null,
      );
    };
    // Not `unread`: reading a message changes nothing on it, so it is not drawn again.
    return {
      key,
      version: JSON.stringify([
        m.content,
        m.deleted,
        m.edited_at,
        grouped,
        showSender,
        status,
        !!editing,
        time,
        this.attachments.linkOf(m),
        m.reactions,
        m.reply_to,
        mentionsMe,
        picking,
      ]),
      render,
    };
  }

  /**
   * Your message on its way. One that failed for want of a connection waits for it (it goes
   * out by itself, so it is not shown as an error); one the server refused says so, with
   * Retry and Discard.
   */
  outgoing(out: Outgoing): Keyed {
    const textId = `out-text-${out.clientMsgId}`;
    // Timed out while the connection looks fine, it may never come back by itself: Retry.
    const waiting = this.host.offline() && (!out.failed || out.resendOnReconnect);
    const failed = out.failed && !waiting;
    const state = failed ? "Not sent" : waiting ? "Waiting for connection" : "Sending…";
    const render = () =>
      h(
        "li",
        { class: `msg mine pending${failed ? " failed" : ""}`, tabindex: "-1" },
        h(
          "div",
          { class: "bubble" },
          h("span", { class: "sr-only" }, "You: "),
          h("p", { class: "text", id: textId }, out.content),
          h("span", { class: "meta" }, state),
        ),
        out.failed
          ? h(
              "div",
              { class: "msg-actions msg-actions-shown" },
              failed
                ? h(
                    "button",
                    {
                      type: "button",
                      class: "btn-link btn-xs",
                      "aria-label": "Retry sending message",
                      "aria-describedby": textId,
                      on: { click: () => this.host.resend(out) },
                    },
                    "Retry",
                  )
                : null,
              h(
                "button",
                {
                  type: "button",
                  class: "btn-link btn-xs danger",
                  "aria-label": "Discard message not sent",
                  "aria-describedby": textId,
                  on: {
                    click: () => {
                      this.store.discard(out.clientMsgId);
                      this.host.rerender();
                    },
                  },
                },
                "Discard",
              ),
            )
          : null,
      );
    return { key: keyOf(this.store.me, 0, out.clientMsgId), version: state, render };
  }

  /** Under your latest message: who has read it, from the read receipts. */
  readState(chat: Chat, seq: number): string {
    const { me, receipts } = this.store;
    // Other members' reads are not pushed in a large group.
    if (!chat.members) return "Sent";
    // A direct chat's Chat says how far the other member has read; receipts pushed since may say more.
    const readBy = (m: string) => Math.max(receipts[chat.chat_id]?.[m] ?? 0, chat.type === "direct" ? (chat.peer_last_read_seq ?? 0) : 0);
    const readers = chat.members.filter((m) => m !== me && readBy(m) >= seq);
    if (!readers.length) return "Sent";
    return chat.type === "direct"
      ? "Seen"
      : readers.length === chat.members.length - 1
        ? "Seen by everyone"
        : `Seen by ${readers.join(", ")}`;
  }

  /** The original a reply answers: a button that shows it (Enter or a click). */
  private quote(r: ReplyTo): HTMLElement {
    // Named by what it shows, so a voice command with the visible text finds it.
    return h(
      "button",
      { type: "button", class: "quote", on: { click: () => this.host.reveal(r.seq) } },
      h("span", { class: "sr-only" }, "Show the original from "),
      h("span", { class: "quote-sender" }, r.sender),
      h("span", { class: "sr-only" }, ": "),
      h("span", { class: "quote-text" }, r.deleted ? "Message deleted" : r.preview),
    );
  }

  // ---- Actions and reactions ----

  /**
   * Reply, React, and Edit and Delete on yours or Report on another's in a group: one
   * toolbar, one Tab stop (dom.ts), beside the bubble.
   */
  private actions(chat: Chat, m: Message, key: string, time: string, textId: string, picking: boolean): HTMLElement {
    const mine = m.sender === this.store.me;
    const button = (control: string, text: string, label: string, click: () => void, extra: Record<string, string | null> = {}) =>
      h(
        "button",
        {
          type: "button",
          class: `btn-link btn-xs${control === "delete" ? " danger" : ""}`,
          "data-control": control,
          "aria-label": `${label} sent ${time}`,
          "aria-describedby": textId,
          ...extra,
          on: { click },
        },
        text,
      );
    return toolbar(
      { class: "msg-actions", "aria-label": `Message sent ${time}` },
      button("reply", "Reply", "Reply to message", () => this.host.reply(m)),
      button(
        "react",
        "React",
        "React to message",
        () => {
          this.picking = picking ? null : { chatId: chat.chat_id, seq: m.seq };
          this.host.focusItem({ key, control: picking ? "react" : "pick-0" }, true);
          this.host.rerender();
        },
        { "aria-expanded": String(picking), "aria-controls": picking ? `picker-${m.seq}` : null },
      ),
      mine ? button("edit", "Edit", "Edit message", () => this.startEdit(m.seq, key)) : null,
      mine ? button("delete", "Delete", "Delete message", () => this.confirmDelete(chat, m, key)) : null,
      !mine && chat.type === "group"
        ? button("report", "Report", `Report message from ${m.sender}`, () =>
            this.dialogs.report(chat, m.seq, () => this.host.focusItem({ key, control: "report" })),
          )
        : null,
    );
  }

  /** The counts under a message, each a toggle named with the message's time, and the picker React opens: one toolbar. */
  private reactions(chat: Chat, m: Message, key: string, time: string, textId: string, picking: boolean): HTMLElement | null {
    if (!m.reactions?.length && !picking) return null;
    const toggle = (emoji: string, mine: boolean) => {
      this.picking = null;
      const params = { chat_id: chat.chat_id, seq: m.seq, emoji };
      (mine ? this.client.unreact(params) : this.client.react(params)).then(
        ({ message }) => {
          // On its count, or on React once the count is gone.
          const counted = message.reactions?.some((r) => r.emoji === emoji);
          this.host.focusItem({ key, control: counted ? `reaction-${emoji}` : "react" }, true);
          this.host.received(message, true);
          this.host.announce(`${mine ? "Reaction removed" : "Reacted"}: ${emoji}`);
        },
        (err: unknown) => this.host.announce(`Reaction not saved. ${describe(err)}`),
      );
    };
    const counts = (m.reactions ?? []).map((r) =>
      h(
        "button",
        {
          type: "button",
          class: `reaction${r.mine ? " reaction-mine" : ""}`,
          "data-control": `reaction-${r.emoji}`,
          "aria-pressed": r.mine ? "true" : "false",
          "aria-label": `${r.emoji} ${r.count} on message sent ${time}${r.mine ? ", yours" : ""}`,
          "aria-describedby": textId,
          on: { click: () => toggle(r.emoji, !!r.mine) },
        },
        `${r.emoji} ${r.count}`,
      ),
    );
    const mineSet = new Set((m.reactions ?? []).filter((r) => r.mine).map((r) => r.emoji));
    const picker = picking
      ? h(
          "div",
          { class: "reaction-picker", id: `picker-${m.seq}`, role: "group", "aria-label": `Pick a reaction for message sent ${time}` },
          ...PICKER.map((emoji, i) =>
            h(
              "button",
              {
                type: "button",
                class: "reaction-pick",
                "data-control": `pick-${i}`,
                "aria-label": `React ${emoji} to message sent ${time}`,
                "aria-describedby": textId,
                on: {
                  click: () => toggle(emoji, mineSet.has(emoji)),
                  keydown: (e: Event) => {
                    if ((e as KeyboardEvent).key !== "Escape") return;
                    this.picking = null;
                    this.host.focusItem({ key, control: "react" }, true);
                    this.host.rerender();
                  },
                },
              },
              emoji,
            ),
          ),
        )
      : null;
    return toolbar({ class: "reactions", "aria-label": `Reactions to message sent ${time}` }, ...counts, picker);
  }

  // ---- Editing and deleting ----

  private startEdit(seq: number, key: string): void {
    if (this.store.openId) this.editing = { chatId: this.store.openId, seq, form: null };
    this.host.rerender();
    this.host.focusItem({ key, control: "edit-text" });
  }

  private editForm(chat: Chat, m: Message, key: string): HTMLElement {
    const area = h("textarea", {
      "aria-label": "Edited text",
      rows: 2,
      maxlength: "4000",
      "data-control": "edit-text",
    });
    area.value = m.content;
    const error = h("p", { class: "field-error", role: "alert", hidden: true });
    // Back on the message's Edit button once the form is gone.
    const done = () => {
      this.editing = null;
      this.host.focusItem({ key, control: "edit" }, true);
    };
    const cancel = () => {
      done();
      this.host.rerender();
    };
    const f = h(
      "form",
      { class: "edit-form" },
      area,
      error,
      h(
        "div",
        { class: "edit-actions" },
        h("button", { type: "button", class: "btn btn-ghost btn-sm", "data-control": "edit-cancel", on: { click: cancel } }, "Cancel"),
        h("button", { type: "submit", class: "btn btn-primary btn-sm", "data-control": "edit-save" }, "Save"),
      ),
    );
    area.addEventListener("keydown", (e) => {
      if (e.key === "Escape") cancel();
    });
    submitOnEnter(area, f);
    f.addEventListener("submit", (e) => {
      e.preventDefault();
      const content = area.value.trim();
      if (!content) return;
      if (content === m.content) return cancel();
      // The mentions follow the text: a name taken out is no longer mentioned.
      this.client.editMessage({ chat_id: chat.chat_id, seq: m.seq, content, mentions: mentionsIn(content) }).then(
        ({ message }) => {
          done();
          this.host.received(message, true);
        },
        (err: unknown) => showError(error, err),
      );
    });
    return f;
  }

  private confirmDelete(chat: Chat, m: Message, key: string): void {
    this.dialogs.confirm({
      title: "Delete this message?",
      text: "It is removed for everyone in the chat.",
      action: "Delete",
      run: async () => {
        const { message } = await this.client.deleteMessage({ chat_id: chat.chat_id, seq: m.seq });
        this.host.received(message, true);
      },
      // Its Delete button is gone: the keyboard goes to the message itself, now "Message deleted".
      done: () => this.host.focusItem({ key }),
    });
  }
}

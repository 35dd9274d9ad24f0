// The one modal <dialog>, and what it shows: starting a chat or a group, a group's
// members, and asking before something that cannot be undone.
import type { Chat, ChatClient, MemberEntry } from "edge-chat/client";
import { avatar, h } from "./dom";
import { field, form, showError, type Field } from "./forms";
import { groupInfo } from "./group-info";
import type { Store } from "./store";

/** What the dialogs ask of the rest of the app once the server has answered. */
/** Members shown per page in a large group's member list. */
const MEMBERS_PAGE = 50;

export interface DialogsHost {
  upsertChat(chat: Chat): void;
  removeChat(chatId: string): void;
  open(chatId: string): Promise<void>;
  announce(text: string): void;
}

export class Dialogs {
  readonly el = h("dialog", { class: "dialog" });

  constructor(
    private readonly store: Store,
    private readonly client: ChatClient,
    private readonly host: DialogsHost,
  ) {}

  close(): void {
    if (this.el.open) this.el.close();
  }

  /**
   * Asks before something that cannot be undone. It opens on Cancel, the safe answer;
   * `done` runs once the dialog has closed after `run` succeeded (to place the keyboard:
   * nothing outside a modal dialog can take focus while it is open).
   */
  confirm(options: { title: string; text: string; action: string; run: () => Promise<void>; done?: () => void }): void {
    const error = h("p", { class: "form-error", role: "alert", hidden: true });
    const go = h("button", { type: "button", class: "btn btn-danger" }, options.action);
    go.addEventListener("click", () => {
      go.disabled = true;
      options.run().then(
        () => {
          this.close();
          options.done?.();
        },
        (err: unknown) => {
          go.disabled = false;
          showError(error, err);
          go.focus();
        },
      );
    });
    const cancel = h("button", { type: "button", class: "btn btn-ghost", on: { click: () => this.el.close() } }, "Cancel");
    this.show(options.title, h("p", { class: "dialog-text" }, options.text), error, h("div", { class: "dialog-actions" }, cancel, go));
    cancel.focus();
  }

  /** Like confirm, for what needs the password again (deleting the account); it opens on the password. */
  confirmWithPassword(options: { title: string; text: string; action: string; run: (password: string) => Promise<void> }): void {
    const password = field("Password", "password", { type: "password", autocomplete: "current-password" });
    this.show(
      options.title,
      h("p", { class: "dialog-text" }, options.text),
      form({
        fields: [password],
        submitLabel: options.action,
        submitClass: "btn btn-danger btn-block",
        submit: async () => {
          await options.run(password.input.value);
          this.close();
        },
        extra: [h("button", { type: "button", class: "btn btn-ghost btn-block", on: { click: () => this.el.close() } }, "Cancel")],
      }).el,
    );
  }

  /** The open group's info pane (group-info.ts). */
  info(): void {
    const chat = this.store.openChat;
    if (!chat) return;
    groupInfo(chat, this.store.me, this.client, {
      show: (title, ...content) => this.show(title, ...content),
      announce: (text) => this.host.announce(text),
      upsertChat: (c) => this.host.upsertChat(c),
    });
  }

  /** Asks why, then reports another's message to the operator. */
  report(chat: Chat, seq: number, done: () => void): void {
    const reason = field("Reason", "reason", { autocomplete: "off", maxlength: "500" }, "What is wrong with this message?");
    this.show(
      "Report message",
      form({
        fields: [reason],
        submitLabel: "Report",
        submit: async () => {
          await this.client.reportMessage({ chat_id: chat.chat_id, seq, reason: reason.input.value.trim() });
          this.close();
          this.host.announce("Message reported. Thank you.");
          done();
        },
      }).el,
    );
  }

  newChat(): void {
    const username = field(
      "Username",
      "username",
      { autocomplete: "off", autocapitalize: "none", spellcheck: false },
      "Who do you want to talk to?",
    );
    this.startChat("New chat", [username], "Start chat", () => this.client.createChat({ username: username.input.value.trim() }));
  }

  newGroup(): void {
    const title = field("Group name", "title", { autocomplete: "off", maxlength: "100" });
    const members = field(
      "Members",
      "members",
      { autocomplete: "off", autocapitalize: "none", spellcheck: false, required: false },
      "Usernames, separated by commas. You can add more later.",
    );
    this.startChat("New group", [title, members], "Create group", () =>
      this.client.createGroup({ title: title.input.value.trim(), members: names(members.input.value) }),
    );
  }

  /**
   * The open group's members: the owner removes and adds them; anyone can leave. After a
   * removal the keyboard goes to the Remove button now in the removed one's place.
   */
  members(removedAt?: number): void {
    const chat = this.store.openChat;
    if (!chat) return;
    const { me } = this.store;
    const owner = chat.owner === me;
    const others = (chat.members ?? []).filter((m) => m !== me);
    const error = h("p", { class: "form-error", role: "alert", hidden: true });
    const fail = (err: unknown) => showError(error, err);
    const refresh = (c: Chat, removedAt?: number) => {
      this.host.upsertChat(c);
      this.members(removedAt);
    };
    const item = (m: string) =>
      h(
        "li",
        {},
        avatar(m, "sm"),
        h("span", { class: "member-name" }, m, m === me ? " (you)" : ""),
        m === chat.owner ? h("span", { class: "tag" }, "owner") : null,
        owner && m !== me
          ? h(
              "button",
              {
                type: "button",
                class: "btn-link btn-xs danger",
                "aria-label": `Remove ${m}`,
                on: {
                  click: () =>
                    void this.client
                      .removeMember({ chat_id: chat.chat_id, username: m })
                      .then(({ chat: c }) => refresh(c, others.indexOf(m)), fail),
                },
              },
              "Remove",
            )
          : null,
      );
    const list = h("ul", { class: "member-list", "aria-label": "Members", tabindex: "-1" }, ...(chat.members ?? []).map(item));
    // A large group lists no members in its chat: they come a page at a time, by name.
    const more = h("button", { type: "button", class: "btn btn-ghost btn-sm", hidden: true }, "Show more members");
    if (!chat.members) {
      let after: string | undefined;
      // One page asked at a time; not `disabled`, which would drop the keyboard's focus (as in group-info.ts).
      let loading = false;
      const page = () => {
        if (loading) return;
        loading = true;
        this.client
          .getMembers({ chat_id: chat.chat_id, limit: MEMBERS_PAGE, ...(after !== undefined && { after }) })
          .then(({ members, has_more }) => {
            const first = after === undefined;
            list.append(...members.map((m: MemberEntry) => item(m.username)));
            after = members.at(-1)?.username;
            more.hidden = !has_more;
            // The button the keyboard was on is gone once the list is whole: the list takes it.
            if (!first && !has_more) list.focus();
          }, fail)
          .finally(() => {
            loading = false;
          });
      };
      more.addEventListener("click", page);
      page();
    }
    const add = field(
      "Add members",
      "members",
      { autocomplete: "off", autocapitalize: "none", spellcheck: false },
      "Usernames, separated by commas.",
    );
    const addForm = owner
      ? form({
          fields: [add],
          submitLabel: "Add",
          className: "stack add-form",
          submit: async () => {
            const { chat: c } = await this.client.addMembers({
              chat_id: chat.chat_id,
              members: names(add.input.value),
            });
            refresh(c);
          },
        }).el
      : null;
    const leave = h(
      "button",
      {
        type: "button",
        class: "btn btn-danger-outline",
        on: {
          click: () =>
            this.confirm({
              title: `Leave ${chat.title}?`,
              text: "You will stop getting its messages. Someone can add you again.",
              action: "Leave group",
              run: async () => {
                await this.client.leaveChat({ chat_id: chat.chat_id });
                this.host.removeChat(chat.chat_id);
              },
            }),
        },
      },
      "Leave group",
    );
    this.show(`${chat.title}: members`, list, more, error, ...(addForm ? [addForm] : []), h("div", { class: "dialog-actions" }, leave));
    if (!owner) leave.focus();
    else if (removedAt !== undefined) {
      const removes = [...list.querySelectorAll<HTMLElement>("button")];
      (removes[Math.min(removedAt, removes.length - 1)] ?? add.input).focus();
    }
  }

  /** A form that creates a chat, then lists and opens it. */
  private startChat(title: string, fields: Field[], submitLabel: string, create: () => Promise<{ chat: Chat }>): void {
    this.show(
      title,
      form({
        fields,
        submitLabel,
        submit: async () => {
          const { chat } = await create();
          this.host.upsertChat(chat);
          this.el.close();
          await this.host.open(chat.chat_id);
        },
      }).el,
    );
  }

  show(title: string, ...content: Node[]): void {
    const heading = h("h2", { id: "dialog-title" }, title);
    this.el.setAttribute("aria-labelledby", "dialog-title");
    this.el.replaceChildren(
      h(
        "div",
        { class: "dialog-head" },
        heading,
        h("button", { type: "button", class: "btn-icon", "aria-label": "Close", on: { click: () => this.el.close() } }, "×"),
      ),
      ...content,
    );
    if (!this.el.open) this.el.showModal();
    this.el.querySelector<HTMLElement>("input, textarea")?.focus();
  }
}

function names(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}

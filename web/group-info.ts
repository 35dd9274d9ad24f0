// A group's info, in the modal dialog: its title and description, its members with their
// roles and, for the owner and admins, what runs the group: making admins, removing and
// banning, slow mode and invite links. Every change is said in the live region and the
// keyboard stays on the control that made it (or the list it changed).
import type { Chat, ChatClient, MemberEntry } from "edge-chat/client";
import { avatar, h } from "./dom";
import { field, form, showError } from "./forms";
import { inviteLink } from "./routes";

export interface GroupInfoHost {
  show(title: string, ...content: Node[]): void;
  announce(text: string): void;
  upsertChat(chat: Chat): void;
}

const SLOW_MODES = [0, 10, 30, 60, 300];
/** Members listed a page at a time. */
const MEMBERS_PAGE = 50;

export function groupInfo(chat: Chat, me: string, client: ChatClient, host: GroupInfoHost, focus?: string): void {
  const role = chat.role ?? (chat.owner === me ? "owner" : "member");
  const runs = role !== "member";
  const error = h("p", { class: "form-error", role: "alert", hidden: true });
  const fail = (err: unknown) => showError(error, err);
  const again = (focusOn?: string) => groupInfo(chat, me, client, host, focusOn);
  const list = h("ul", { class: "member-list", "aria-label": "Members", tabindex: "-1" });
  const act = (label: string, aria: string, run: () => Promise<unknown>, said: string, control: string) =>
    h(
      "button",
      {
        type: "button",
        class: `btn-link btn-xs${control.startsWith("ban") || control.startsWith("remove") ? " danger" : ""}`,
        "aria-label": aria,
        "data-control": control,
        on: {
          click: () =>
            void run().then(() => {
              host.announce(said);
              again(control);
            }, fail),
        },
      },
      label,
    );
  const item = (m: MemberEntry) => {
    const canAct = m.username !== me && m.role !== "owner" && (role === "owner" || m.role === "member");
    return h(
      "li",
      {},
      avatar(m.username, "sm"),
      h("span", { class: "member-name" }, m.username, m.username === me ? " (you)" : ""),
      m.role === "member" ? null : h("span", { class: "tag" }, m.role),
      role === "owner" && m.username !== me
        ? m.role === "admin"
          ? act(
              "Remove admin",
              `Remove admin: ${m.username}`,
              () => client.setRole({ chat_id: chat.chat_id, username: m.username, role: "member" }),
              `${m.username} is no longer an admin.`,
              `role-${m.username}`,
            )
          : act(
              "Make admin",
              `Make admin: ${m.username}`,
              () => client.setRole({ chat_id: chat.chat_id, username: m.username, role: "admin" }),
              `${m.username} is now an admin.`,
              `role-${m.username}`,
            )
        : null,
      runs && canAct
        ? act(
            "Remove",
            `Remove ${m.username}`,
            () => client.removeMember({ chat_id: chat.chat_id, username: m.username }),
            `${m.username} was removed.`,
            "members",
          )
        : null,
      runs && canAct
        ? act(
            "Ban",
            `Ban ${m.username}`,
            () => client.banMember({ chat_id: chat.chat_id, username: m.username }),
            `${m.username} was banned.`,
            "members",
          )
        : null,
    );
  };
  // A page at a time, by name (getMembers' cursor): "Show more members" asks for the next.
  let after: string | undefined;
  const more = h("button", { type: "button", class: "btn btn-ghost btn-sm", hidden: true }, "Show more members");
  // One page asked at a time (a second click would ask for the same one again); not
  // `disabled`, which would drop the keyboard's focus from the button.
  let loading = false;
  const page = () => {
    if (loading) return;
    loading = true;
    client
      .getMembers({ chat_id: chat.chat_id, limit: MEMBERS_PAGE, ...(after !== undefined && { after }) })
      .then(({ members, has_more }) => {
        const first = after === undefined;
        list.append(...members.map(item));
        after = members.at(-1)?.username;
        more.hidden = !has_more;
        if (first) list.querySelector<HTMLElement>(`[data-control="${focus}"]`)?.focus();
        // The button the keyboard was on is gone once the list is whole: the list takes it.
        if ((first && focus === "members") || (!first && !has_more)) list.focus();
      }, fail)
      .finally(() => {
        loading = false;
      });
  };
  more.addEventListener("click", page);
  page();
  const parts: Node[] = [
    runs ? details(chat, me, client, host) : h("p", { class: "dialog-text" }, chat.description || "No description."),
    h("h3", { class: "info-head" }, "Members"),
    list,
    more,
    error,
  ];
  if (runs)
    parts.push(banned(chat, client, host, fail, focus), slowMode(chat, client, host, fail), invites(chat, client, host, fail, focus));
  host.show(chat.title, ...parts);
}

/** The title and description, which the owner and admins edit (editGroup); the pane is drawn again with them. */
function details(chat: Chat, me: string, client: ChatClient, host: GroupInfoHost): Node {
  const title = field("Title", "title", { maxlength: "100", autocomplete: "off" });
  const description = field("Description", "description", { maxlength: "500", autocomplete: "off", required: false });
  title.input.value = chat.title;
  description.input.value = chat.description ?? "";
  return form({
    fields: [title, description],
    submitLabel: "Save",
    submitClass: "btn btn-primary btn-sm",
    submit: async () => {
      const { chat: c } = await client.editGroup({
        chat_id: chat.chat_id,
        title: title.input.value.trim(),
        description: description.input.value.trim(),
      });
      host.upsertChat(c);
      host.announce("Group info saved.");
      groupInfo(c, me, client, host);
    },
  }).el;
}

/** Who is banned (getBanned), each with Unban; after one, the keyboard goes to the list. */
function banned(chat: Chat, client: ChatClient, host: GroupInfoHost, fail: (e: unknown) => void, focus?: string): Node {
  const list = h("ul", { class: "member-list", "aria-label": "Banned", tabindex: "-1" });
  const load = (focusOn?: string) =>
    client.getBanned({ chat_id: chat.chat_id }).then(({ users }) => {
      list.replaceChildren(
        ...users.map((u) =>
          h(
            "li",
            {},
            avatar(u, "sm"),
            h("span", { class: "member-name" }, u),
            h(
              "button",
              {
                type: "button",
                class: "btn-link btn-xs",
                "aria-label": `Unban ${u}`,
                on: {
                  click: () =>
                    void client.unbanMember({ chat_id: chat.chat_id, username: u }).then(() => {
                      host.announce(`${u} is no longer banned.`);
                      void load("banned");
                    }, fail),
                },
              },
              "Unban",
            ),
          ),
        ),
      );
      if (!users.length) list.append(h("li", {}, "No one is banned."));
      if (focusOn === "banned") list.focus();
    }, fail);
  void load(focus);
  return h("div", { class: "stack" }, h("h3", { class: "info-head" }, "Banned"), list);
}

function slowMode(chat: Chat, client: ChatClient, host: GroupInfoHost, fail: (e: unknown) => void): Node {
  const select = h(
    "select",
    { id: "slow-mode", name: "slow-mode" },
    ...SLOW_MODES.map((s) => h("option", { value: String(s), selected: (chat.slow_mode_s ?? 0) === s }, s ? `${s} seconds` : "Off")),
  );
  select.addEventListener("change", () => {
    const seconds = Number(select.value);
    client.setSlowMode({ chat_id: chat.chat_id, seconds }).then(() => {
      host.upsertChat({ ...chat, slow_mode_s: seconds });
      chat.slow_mode_s = seconds;
      host.announce(seconds ? `Slow mode: one message every ${seconds} seconds.` : "Slow mode is off.");
    }, fail);
  });
  return h("div", { class: "field" }, h("label", { for: "slow-mode" }, "Slow mode"), select);
}

function invites(chat: Chat, client: ChatClient, host: GroupInfoHost, fail: (e: unknown) => void, focus?: string): Node {
  const list = h("ul", { class: "invite-list", "aria-label": "Invite links", tabindex: "-1" });
  const load = (focusOn?: string) =>
    client.getInvites({ chat_id: chat.chat_id }).then(({ invites }) => {
      list.replaceChildren(
        ...invites.map((inv) => {
          const link = inviteLink(inv.code);
          return h(
            "li",
            {},
            h("input", { type: "text", readonly: true, value: link, "aria-label": "Invite link", class: "invite-link" }),
            h(
              "button",
              {
                type: "button",
                class: "btn-link btn-xs",
                on: { click: () => void navigator.clipboard.writeText(link).then(() => host.announce("Invite link copied."), fail) },
              },
              "Copy",
            ),
            h(
              "button",
              {
                type: "button",
                class: "btn-link btn-xs danger",
                on: {
                  click: () =>
                    void client.revokeInvite({ chat_id: chat.chat_id, code: inv.code }).then(() => {
                      host.announce("Invite link revoked.");
                      void load("list");
                    }, fail),
                },
              },
              "Revoke",
            ),
          );
        }),
      );
      if (focusOn === "list") list.focus();
      else if (focusOn === "new") list.querySelector<HTMLElement>("li:last-child input")?.focus();
    }, fail);
  void load(focus);
  const create = h(
    "button",
    {
      type: "button",
      class: "btn btn-ghost btn-sm",
      on: {
        click: () =>
          void client.createInvite({ chat_id: chat.chat_id }).then(() => {
            host.announce("Invite link created.");
            void load("new");
          }, fail),
      },
    },
    "Create invite link",
  );
  return h("div", { class: "stack" }, h("h3", { class: "info-head" }, "Invite links"), list, create);
}

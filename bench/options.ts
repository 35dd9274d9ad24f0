// The run's options (from the command line) and every count and constant its phases use.

export const args = process.argv.slice(2);
export const QUICK = args.includes("--quick");
export const PHASES = [
  "baseline",
  "direct",
  "group",
  "fanout",
  "many",
  "idle",
  "files",
  "large",
  "connect",
  "members",
  "edits",
  "reactions",
  "search",
  "push",
  "scale",
] as const;
type Phase = (typeof PHASES)[number];
export const only = args
  .find((a) => a.startsWith("--only="))
  ?.slice("--only=".length)
  .split(",");
export const enabled = (p: Phase) => !only || only.includes(p);
/** Benchmark this git revision of the Worker instead of the work tree (e.g. --source=HEAD). */
export const SOURCE = args.find((a) => a.startsWith("--source="))?.slice("--source=".length);
/**
 * wrangler dev (4.x) runs a local observability collector that receives every invocation's
 * trace events; it is not the runtime and not there in production, and it costs a few hundred
 * µs of CPU per invocation. Left on by default (what `wrangler dev` does); this turns it off.
 */
export const NO_OBSERVABILITY = args.includes("--no-local-observability");
if (NO_OBSERVABILITY) process.env.X_LOCAL_OBSERVABILITY = "false";
/**
 * `--profile`: a CPU profile of the runtime over each phase (bench/profile.ts); `--profile=NAME`:
 * over each section a phase names that starts with NAME instead (e.g. `scale-online`, the scale
 * phase's measured messages at each online count). Sampling slows the runtime.
 */
const profileArg = args.find((a) => a === "--profile" || a.startsWith("--profile="));
export const PROFILE: { sections: string | null } | null = profileArg
  ? { sections: profileArg.includes("=") ? profileArg.slice("--profile=".length) : null }
  : null;
/** `--var=NAME=VALUE` (repeatable): a server setting for this run, e.g. `--var=RELAY_FROM_ONLINE=1000000` (no relays). */
export const SERVER_VARS: Record<string, string> = Object.fromEntries(
  args
    .filter((a) => a.startsWith("--var="))
    .map((a) => {
      const [k, ...v] = a.slice("--var=".length).split("=");
      return [k!, v.join("=")];
    }),
);
export const OUT =
  args.find((a) => a.startsWith("--out="))?.slice("--out=".length) ??
  (QUICK || only || NO_OBSERVABILITY || PROFILE || Object.keys(SERVER_VARS).length ? "bench/out" : "");

/**
 * `--set=searchMessages=20000,scaleMembers=20000`: a full run with some counts lowered (a
 * phase this machine cannot finish in the time at hand); the report's first line names them.
 */
export const OVERRIDES: Record<string, number> = Object.fromEntries(
  (
    args
      .find((a) => a.startsWith("--set="))
      ?.slice("--set=".length)
      .split(",") ?? []
  ).map((kv) => {
    const [k, v] = kv.split("=");
    if (!k || !v || !Number.isFinite(Number(v))) throw new Error(`--set: expected name=number, got "${kv}"`);
    return [k, Number(v)];
  }),
);

/** Every count the run uses; --quick shrinks them (documented in docs/benchmarks.md). */
const BASE_COUNTS = QUICK
  ? {
      echoRtt: 400,
      echoSockets: 8,
      echoPerSocket: 600,
      rpcOneRounds: 100,
      rpcSmallRounds: 10,
      rpcLargeRounds: 3,
      directMessages: 300,
      directRate: 100,
      pacedRounds: 200,
      groupMembers: 10,
      groupSenders: 4,
      groupPerSender: 150,
      fanoutSmall: 100,
      fanoutSmallMessages: 30,
      fanoutLarge: 200,
      fanoutLargeMessages: 10,
      manyChats: 50,
      manyPerChat: 10,
      idleUsers: 300,
      idleSettleMs: 2_000,
      largeMembers: 1_000,
      largeOnline: 100,
      largeMessages: 20,
      connectGroups: 10,
      connectRounds: 5,
      memberChanges: 10,
      membersSmall: 40,
      fileRounds: 3,
      editsEarlier: 200,
      editsWindow: 5,
      reactMembers: 1_000,
      reactOnline: 100,
      reactions: 20,
      searchChats: 20,
      searchMessages: 2_000,
      searchQueries: 50,
      searchSends: 200,
      pushDirect: 5,
      pushGroup: 1_000,
      pushGroupMessages: 2,
      scaleMembers: 5_000,
      scalePages: 10,
      scaleMessages: 10,
      logKeep: 1_000,
      syncRounds: 20,
      scaleOnlineMax: 300,
    }
  : {
      echoRtt: 2_000,
      echoSockets: 8,
      echoPerSocket: 3_000,
      rpcOneRounds: 500,
      rpcSmallRounds: 100,
      rpcLargeRounds: 20,
      directMessages: 1_000,
      directRate: 100,
      pacedRounds: 1_000,
      groupMembers: 10,
      groupSenders: 4,
      groupPerSender: 1_000,
      fanoutSmall: 100,
      fanoutSmallMessages: 200,
      fanoutLarge: 1_000,
      fanoutLargeMessages: 50,
      manyChats: 200,
      manyPerChat: 25,
      idleUsers: 2_000,
      idleSettleMs: 15_000,
      largeMembers: 5_000,
      largeOnline: 500,
      largeMessages: 50,
      connectGroups: 500,
      connectRounds: 20,
      memberChanges: 20,
      membersSmall: 40,
      fileRounds: 10,
      editsEarlier: 1_000,
      editsWindow: 9,
      reactMembers: 1_000,
      reactOnline: 100,
      reactions: 50,
      searchChats: 200,
      searchMessages: 100_000,
      searchQueries: 200,
      searchSends: 1_000,
      pushDirect: 20,
      pushGroup: 10_000,
      pushGroupMessages: 4,
      scaleMembers: 100_000,
      scalePages: 20,
      scaleMessages: 30,
      logKeep: 10_000,
      syncRounds: 50,
      scaleOnlineMax: 10_000,
    };
for (const k of Object.keys(OVERRIDES)) if (!(k in BASE_COUNTS)) throw new Error(`--set: no count named ${k}`);
export const COUNTS: typeof BASE_COUNTS = { ...BASE_COUNTS, ...OVERRIDES };
/** The server's LARGE_GROUP_MEMBERS (wrangler.toml's default): fan-out groups of 100 and 1,000 are large. */
export const LARGE_AT = 50;
/** Names one createGroup or addMembers may carry. */
export const NAMES_PER_REQUEST = 1_000;
/** The file that the files phase sends up and down. */
export const FILE_BYTES = 10 * 2 ** 20;
/** Unacknowledged frames per socket, at most, everywhere in this benchmark. */
export const DEPTH = 16;
/** How many hub objects hold the members' sockets in the baseline's alternative fan-out. */
export const HUB_COUNTS = [1, 10] as const;
/** Unacknowledged messages per sender in the many-chats phase (200 chats x 4 = 800 in flight). */
export const MANY_DEPTH = 4;
/** How many registrations or socket upgrades run at once during setup. */
export const SETUP_CONCURRENCY = 8;
export const CONNECT_CONCURRENCY = 16;
/** The edits phase: edits a second, under the default send limit (5/s); the server's cap on one message's edits. */
export const EDITS_RATE = 4;
export const EDITS_PER_MESSAGE = 100;
/** Earlier edits in the chat before the edits phase's "few" window. */
export const EDITS_FEW = 10;
export const PASSWORD = "bench-password-1";
/** Online members the scale phase tries in turn in its group, until one fails (this machine may not hold 10,000 sockets). */
export const SCALE_ONLINE = (QUICK ? [100, 300] : [1_000, 2_500, 5_000, 10_000]).filter((n) => n <= COUNTS.scaleOnlineMax);
/** Names one message may mention (the contract's limit). */
export const MENTIONS_PER_MESSAGE = 50;
/** The push service folds a chat's pushes to a session into one per this window (the contract). */
export const PUSH_FOLD_MS = 10_000;

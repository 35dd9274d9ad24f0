// The operator's command line: `npm run admin -- reports [--limit N] [--before CURSOR] |
// suspend NAME | unsuspend NAME`. It calls the deploy's /admin/ endpoints with the URL in
// ADMIN_URL (e.g. https://chat.example.com) and the token in ADMIN_TOKEN, and prints the
// answer as JSON. Exit status: 0 on success, 1 when the service refused, 2 on bad usage.
const USAGE = "usage: npm run admin -- reports [--limit N] [--before CURSOR] | suspend NAME | unsuspend NAME";

async function main(args: string[]): Promise<number> {
  const url = process.env.ADMIN_URL;
  const token = process.env.ADMIN_TOKEN;
  if (!url || !token) {
    console.error("set ADMIN_URL (the deploy's address) and ADMIN_TOKEN (its operator token)");
    return 2;
  }
  const [command, ...rest] = args;
  const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
  let res: Response;
  if (command === "reports") {
    const q = new URLSearchParams();
    for (let i = 0; i < rest.length; i += 2) {
      const [flag, value] = [rest[i], rest[i + 1]];
      if ((flag !== "--limit" && flag !== "--before") || value === undefined) {
        console.error(USAGE);
        return 2;
      }
      q.set(flag.slice(2), value);
    }
    res = await fetch(new URL(`/admin/reports${q.size ? `?${q}` : ""}`, url), { headers });
  } else if ((command === "suspend" || command === "unsuspend") && rest.length === 1) {
    res = await fetch(new URL(`/admin/${command}`, url), { method: "POST", headers, body: JSON.stringify({ username: rest[0] }) });
  } else {
    console.error(USAGE);
    return 2;
  }
  const body = await res.text();
  (res.ok ? console.log : console.error)(body);
  return res.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`could not reach the service: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);

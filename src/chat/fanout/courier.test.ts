import { describe, expect, it, vi } from "vitest";
import { Alarms } from "../../platform/alarms";
import { Courier, type ChatJob, type UserStub } from "./courier";

function setup() {
  const made: string[] = [];
  const calls: Array<{ user: string; resolve: (v: unknown) => void; reject: (e: unknown) => void }> = [];
  const ns = {
    idFromName: (name: string) => name as unknown as DurableObjectId,
    get: (id: DurableObjectId) => {
      made.push(id as unknown as string);
      return { name: id } as unknown as UserStub;
    },
  };
  const wishes: number[] = [];
  const alarms = new Alarms<ChatJob>({ getAlarm: async () => null, setAlarm: async (at) => void wishes.push(at) }, () => 0);
  const courier = new Courier({ USERS: ns } as unknown as Env, () => "g_1", alarms);
  const call = (user: string) => () => new Promise((resolve, reject) => calls.push({ user, resolve, reject }));
  return { courier, calls, made, wishes, call };
}

describe("Courier", () => {
  it("keeps one call in flight per member and lane", async () => {
    const { courier, calls, call } = setup();
    const ok = vi.fn();
    expect(courier.send("deliver", "u1", call("u1"), ok)).toBe(true);
    expect(courier.send("deliver", "u1", call("u1"), ok)).toBe(false);
    expect(courier.send("push", "u1", call("u1"), ok)).toBe(true);
    expect(courier.free("deliver", "u2")).toBe(true);
    calls[0]!.resolve("done");
    await Promise.resolve();
    await Promise.resolve();
    expect(ok).toHaveBeenCalledWith("done");
    expect(courier.free("deliver", "u1")).toBe(true);
  });

  it("after a failure: a new stub, one log line, the alarm asked, and the lane waits for it", async () => {
    const { courier, calls, made, wishes, call } = setup();
    const log = vi.spyOn(console, "warn").mockImplementation(() => {});
    courier.send("deliver", "u1", call("u1"), () => {});
    calls[0]!.reject(new Error("down"));
    await new Promise((r) => setTimeout(r, 0));
    expect(log.mock.calls.filter(([line]) => String(line).includes('"delivery_failed"'))).toHaveLength(1);
    expect(wishes.length).toBe(1);
    expect(courier.free("deliver", "u1")).toBe(false);
    expect(courier.retry("deliver")).toEqual(["u1"]);
    expect(courier.free("deliver", "u1")).toBe(true);
    courier.send("deliver", "u1", call("u1"), () => {});
    expect(made).toEqual(["u1", "u1"]);
    log.mockRestore();
  });
});

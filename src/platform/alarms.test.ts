import { describe, expect, it } from "vitest";
import { Alarms } from "./alarms";

function setup(pending: number | null = null) {
  const storage = { alarm: pending as number | null, sets: [] as number[] };
  let now = 1_000;
  const alarms = new Alarms<"a" | "b">(
    {
      getAlarm: async () => storage.alarm,
      setAlarm: async (at) => {
        storage.alarm = at;
        storage.sets.push(at);
      },
    },
    () => now,
  );
  const ran: string[] = [];
  alarms.register("a", () => void ran.push("a"));
  alarms.register("b", () => void ran.push("b"));
  return {
    alarms,
    storage,
    ran,
    at: (t: number) => {
      now = t;
    },
  };
}

describe("Alarms", () => {
  it("sets the one alarm to the earliest wish and only moves it earlier", async () => {
    const { alarms, storage } = setup();
    await alarms.load();
    await alarms.wakeAt("a", 5_000);
    await alarms.wakeAt("b", 3_000);
    await alarms.wakeAt("a", 9_000);
    expect(storage.alarm).toBe(3_000);
    expect(storage.sets).toEqual([5_000, 3_000]);
  });

  it("runs every job, then sets the alarm for the wish still ahead", async () => {
    const { alarms, storage, ran, at } = setup();
    await alarms.load();
    await alarms.wakeAt("a", 2_000);
    await alarms.wakeAt("b", 7_000);
    at(2_000);
    await alarms.run();
    expect(ran).toEqual(["a", "b"]);
    expect(storage.alarm).toBe(7_000);
    at(7_000);
    await alarms.run();
    expect(storage.alarm).toBe(7_000);
    expect(storage.sets).toEqual([2_000, 7_000]);
  });

  it("a job may ask again while it runs", async () => {
    const { alarms, storage, at } = setup();
    let runs = 0;
    alarms.register("a", async () => {
      if (++runs < 2) await alarms.wakeIn("a", 500);
    });
    await alarms.load();
    await alarms.wakeAt("a", 1_500);
    at(1_500);
    await alarms.run();
    expect(storage.alarm).toBe(2_000);
    at(2_000);
    await alarms.run();
    expect(runs).toBe(2);
  });

  it("after an eviction (no wish known) still runs every job", async () => {
    const { alarms, ran } = setup(4_000);
    await alarms.load();
    await alarms.run();
    expect(ran.sort()).toEqual(["a", "b"]);
  });

  it("keeps an alarm already set earlier than a new wish", async () => {
    const { alarms, storage } = setup(1_500);
    await alarms.load();
    await alarms.wakeAt("b", 3_000);
    expect(storage.sets).toEqual([]);
  });

  it("once stopped (the object's storage wiped), drops every wish and sets nothing, even from a job that runs then", async () => {
    const { alarms, storage, at } = setup();
    alarms.register("a", () => {
      alarms.stop();
      alarms.of("b").wakeAt(9_000);
    });
    await alarms.load();
    await alarms.wakeAt("a", 2_000);
    await alarms.wakeAt("b", 5_000);
    at(2_000);
    await alarms.run();
    await alarms.wakeAt("b", 6_000);
    expect(storage.sets).toEqual([2_000]);
  });
});

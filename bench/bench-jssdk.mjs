// bench-jssdk.mjs: the call latencies of matrix-js-sdk (Element's call
// engine) against itself, two headless Chromium peers on the same Synapse,
// printed as rows of the benchmark table; with Handset's own figures (a
// JSON file from bench-calls), the ratio of the two.
//
// Environment:
//   HANDSET_TEST_HOMESERVER  the homeserver's base URL
//   HANDSET_INTEROP_DIR      the npm packages (build-aux/dev deps puts them there)
//   HANDSET_BENCH_SUMMARY    Handset's medians, written by bench-calls (optional)

import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";

const RUNS = 5;
const here = dirname(fileURLToPath(import.meta.url));
const driver = join(here, "..", "tests", "interop", "driver.mjs");
const base = process.env.HANDSET_TEST_HOMESERVER;

function fail(message) {
  process.stderr.write(`bench-jssdk: ${message}\n`);
  process.exit(1);
}

async function api(method, path, token, body) {
  const response = await fetch(base + path, {
    method,
    headers: {
      "Content-Type": "application/json",
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await response.json();
  if (!response.ok) fail(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

async function register(prefix) {
  const r = await api("POST", "/_matrix/client/v3/register", null, {
    username: `${prefix}-${randomBytes(4).toString("hex")}`,
    password: randomBytes(12).toString("hex"),
    auth: { type: "m.login.dummy" },
  });
  return { userId: r.user_id, accessToken: r.access_token, deviceId: r.device_id };
}

// One browser with js-sdk in it, spoken to in JSON lines (see driver.mjs).
class Peer {
  constructor(toneHz) {
    this.child = spawn(process.execPath, [driver], {
      env: { ...process.env, HANDSET_INTEROP_TONE_HZ: String(toneHz) },
      stdio: ["pipe", "pipe", "inherit"],
    });
    this.nextId = 0;
    this.replies = new Map();
    this.events = [];
    this.waiters = [];
    createInterface({ input: this.child.stdout }).on("line", (line) => {
      let message;
      try {
        message = JSON.parse(line);
      } catch {
        return;
      }
      if (message.id !== undefined) {
        this.replies.get(message.id)?.(message);
        this.replies.delete(message.id);
      } else {
        this.events.push(message);
        this.waiters = this.waiters.filter((w) => !w());
      }
    });
  }

  command(cmd, args = {}) {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.replies.set(id, (m) => (m.ok ? resolve(m.result) : reject(new Error(`${cmd}: ${m.error}`))));
      this.child.stdin.write(JSON.stringify({ id, cmd, ...args }) + "\n");
    });
  }

  // The first event (from now on) that @match accepts.
  event(match, timeoutMs = 30000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no such event in time")), timeoutMs);
      const check = () => {
        const i = this.events.findIndex(match);
        if (i < 0) return false;
        clearTimeout(timer);
        resolve(this.events.splice(i, 1)[0]);
        return true;
      };
      if (!check()) this.waiters.push(check);
    });
  }

  forget() {
    this.events = [];
  }

  close() {
    this.child.stdin.end();
    return new Promise((resolve) => this.child.on("exit", resolve));
  }
}

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted.at(-1) };
}

function row(figure, values, how) {
  const s = stats(values);
  console.log(
    `| ${figure} | ${s.median.toFixed(0)} | ${s.min.toFixed(0)} | ${s.max.toFixed(0)} | ${values.length} | ${how} |`,
  );
  return s.median;
}

async function main() {
  if (!base) fail("HANDSET_TEST_HOMESERVER is not set");
  const alice = await register("jsalice");
  const bob = await register("jsbob");
  const room = await api("POST", "/_matrix/client/v3/createRoom", alice.accessToken, {
    preset: "trusted_private_chat",
    is_direct: true,
    invite: [bob.userId],
  });
  await api("POST", `/_matrix/client/v3/join/${encodeURIComponent(room.room_id)}`, bob.accessToken, {});

  const caller = new Peer(440);
  const callee = new Peer(880);
  try {
    await Promise.all([caller.event((e) => e.event === "ready", 90000), callee.event((e) => e.event === "ready", 90000)]);
    await caller.command("start", { baseUrl: base, ...alice });
    await callee.command("start", { baseUrl: base, ...bob });
    // Both must know the room before the first call.
    await new Promise((r) => setTimeout(r, 1000));

    const ring = [];
    const toCaller = [];
    const toCallee = [];
    for (let i = 0; i < RUNS; i++) {
      caller.forget();
      callee.forget();
      const incoming = callee.event((e) => e.event === "incoming");
      const placed = await caller.command("placeCall", { roomId: room.room_id });
      const rang = await incoming;
      ring.push(rang.at - placed.placedAt);

      const heardByCaller = caller.command("firstAudio", { callId: placed.callId });
      const answered = await callee.command("answer", { callId: rang.callId });
      const heardByCallee = await callee.command("firstAudio", { callId: rang.callId });
      toCaller.push((await heardByCaller).at - answered.answeredAt);
      toCallee.push(heardByCallee.at - answered.answeredAt);

      const ended = callee.event((e) => e.event === "state" && e.state === "ended");
      await caller.command("hangup", { callId: placed.callId });
      await ended;
      await new Promise((r) => setTimeout(r, 500));
    }

    const ringMedian = row(
      "js-sdk↔js-sdk: invite to ring (ms)",
      ring,
      "matrix-js-sdk 43 in headless Chromium, one browser per side: placeCall() on the caller to the callee's incoming call, by Date.now() in both pages",
    );
    const callerMedian = row(
      "js-sdk↔js-sdk: answer to first audio at the caller (ms)",
      toCaller,
      "call.answer() on the callee to the first sample beyond ±2000 in a Web Audio analyser on the caller's remote stream, polled every 2-4 ms",
    );
    const calleeMedian = row(
      "js-sdk↔js-sdk: answer to first audio at the callee (ms)",
      toCallee,
      "same clock start, the callee's remote stream",
    );

    const summary = process.env.HANDSET_BENCH_SUMMARY;
    if (summary) {
      const handset = JSON.parse(readFileSync(summary, "utf8"));
      const ratio = (figure, mine, theirs, how) =>
        console.log(`| ${figure} | ${(mine / theirs).toFixed(2)} | | | | ${how} |`);
      ratio("Handset ÷ js-sdk: invite to ring", handset.ring, ringMedian, "ratio of the two medians above");
      ratio(
        "Handset ÷ js-sdk: answer to first audio at the caller (target ≤ 0.5)",
        handset.toCaller,
        callerMedian,
        "ratio of the two medians above",
      );
      ratio(
        "Handset ÷ js-sdk: answer to first audio at the callee (target ≤ 0.5)",
        handset.toCallee,
        calleeMedian,
        "ratio of the two medians above",
      );
    }
  } finally {
    await Promise.all([caller.close(), callee.close()]);
  }
}

main().catch((err) => fail(err.stack || String(err)));

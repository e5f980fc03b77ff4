// SPDX-License-Identifier: GPL-3.0-or-later
// bench-jssdk.mjs: the call latencies of matrix-js-sdk (Element's call
// engine) against itself, two headless Chromium peers on the same Synapse,
// printed as rows of the benchmark table, in clear and end-to-end encrypted
// (js-sdk's Rust crypto, in an encrypted direct chat); with Handset's own
// figures (a JSON file from bench-calls), the ratio of the two.
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

// One call from @caller to @callee in @roomId, placed, rung, answered,
// heard at both ends and hung up: its figures in ms. With @encrypted, the
// invite must have reached the callee encrypted.
async function oneCall(caller, callee, roomId, encrypted, skipAnswerPause = false) {
  caller.forget();
  callee.forget();
  const incoming = callee.event((e) => e.event === "incoming");
  const placed = await caller.command("placeCall", { roomId });
  const rang = await incoming;
  const ring = rang.at - placed.placedAt;

  const heardByCaller = caller.command("firstAudio", { callId: placed.callId });
  const skippedBefore = skipAnswerPause ? (await callee.command("pauseSkipped")).answerPausesSkipped : 0;
  const answered = await callee.command("answer", { callId: rang.callId, skipAnswerPause });
  const heardByCallee = await callee.command("firstAudio", { callId: rang.callId });
  const toCaller = (await heardByCaller).at - answered.answeredAt;
  const toCallee = heardByCallee.at - answered.answeredAt;
  if (skipAnswerPause && (await callee.command("pauseSkipped")).answerPausesSkipped !== skippedBefore + 1)
    fail("js-sdk's 200 ms answer pause was not skipped");

  const ended = callee.event((e) => e.event === "state" && e.state === "ended");
  await caller.command("hangup", { callId: placed.callId });
  await ended;
  if (encrypted) {
    const invite = await callee.event(
      (e) => e.event === "call_event" && e.type === "m.call.invite" && e.callId === rang.callId,
      5000,
    );
    if (!invite.encrypted) fail("the encrypted call's invite came in clear");
  }
  await new Promise((r) => setTimeout(r, 500));
  return { ring, toCaller, toCallee };
}

// A direct chat of @alice with @bob, who joins, in clear.
async function plainDm(alice, bob) {
  const room = await api("POST", "/_matrix/client/v3/createRoom", alice.accessToken, {
    preset: "trusted_private_chat",
    is_direct: true,
    invite: [bob.userId],
  });
  await api("POST", `/_matrix/client/v3/join/${encodeURIComponent(room.room_id)}`, bob.accessToken, {});
  return room.room_id;
}

// Two new users, each with a new js-sdk device with Rust crypto in a
// browser of its own, in a new encrypted direct chat that both know is
// encrypted and has both joined, as Element Web makes one; and a plain
// direct chat of the two.
async function encryptedPair() {
  const alice = await register("jsealice");
  const bob = await register("jsebob");
  const plainRoomId = await plainDm(alice, bob);
  const caller = new Peer(440);
  const callee = new Peer(880);
  try {
    await Promise.all([caller.event((e) => e.event === "ready", 90000), callee.event((e) => e.event === "ready", 90000)]);
    await caller.command("start", { baseUrl: base, ...alice, encrypted: true });
    await callee.command("start", { baseUrl: base, ...bob, encrypted: true });
    const { roomId } = await caller.command("createEncryptedDm", { userId: bob.userId });
    await callee.event((e) => e.event === "invited" && e.roomId === roomId);
    const joined = await callee.command("joinRoom", { roomId });
    if (!joined.encrypted) fail(`the callee does not see ${roomId} encrypted`);
    // The caller's sync has the callee's join too.
    for (const until = Date.now() + 30000; ; ) {
      const info = await caller.command("roomInfo", { roomId });
      if (info.encrypted && info.members.filter((m) => m.membership === "join").length === 2) break;
      if (Date.now() > until) fail(`the caller does not see the callee in ${roomId}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return { caller, callee, roomId, plainRoomId };
  } catch (err) {
    await Promise.all([caller.close(), callee.close()]);
    throw err;
  }
}

const HOW_RING =
  "matrix-js-sdk 43 in headless Chromium, one browser per side: placeCall() on the caller to the callee's incoming call, by Date.now() in both pages";
const HOW_AUDIO =
  "call.answer() on the callee to the first sample beyond ±2000 in a Web Audio analyser on the caller's remote stream, polled every 2-4 ms";

async function plain() {
  const alice = await register("jsalice");
  const bob = await register("jsbob");
  const room = { room_id: await plainDm(alice, bob) };

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
      const call = await oneCall(caller, callee, room.room_id, false);
      ring.push(call.ring);
      toCaller.push(call.toCaller);
      toCallee.push(call.toCallee);
    }
    // The same browsers, calls alternating with the ones above would mix
    // their warm-up: these come after, with js-sdk's answer pause skipped.
    const unpausedToCaller = [];
    const unpausedToCallee = [];
    for (let i = 0; i < RUNS; i++) {
      const call = await oneCall(caller, callee, room.room_id, false, true);
      unpausedToCaller.push(call.toCaller);
      unpausedToCallee.push(call.toCallee);
    }

    return {
      ring: row("js-sdk↔js-sdk: invite to ring (ms)", ring, HOW_RING),
      toCaller: row("js-sdk↔js-sdk: answer to first audio at the caller (ms)", toCaller, HOW_AUDIO),
      toCallee: row(
        "js-sdk↔js-sdk: answer to first audio at the callee (ms)",
        toCallee,
        "same clock start, the callee's remote stream",
      ),
      toCallerUnpaused: row(
        "js-sdk↔js-sdk without its 200 ms answer pause: answer to first audio at the caller (ms)",
        unpausedToCaller,
        "as above, the same two browsers right after, js-sdk's fixed 200 ms wait between setting its answer and sending it skipped in the test page (peer.js: that one setTimeout fires at once; checked for every call)",
      ),
      toCalleeUnpaused: row(
        "js-sdk↔js-sdk without its 200 ms answer pause: answer to first audio at the callee (ms)",
        unpausedToCallee,
        "as above, the callee's remote stream",
      ),
    };
  } finally {
    await Promise.all([caller.close(), callee.close()]);
  }
}

// As plain(), end-to-end encrypted: each run two new users with new
// devices (js-sdk's Rust crypto, initRustCrypto) in a new encrypted direct
// chat, its first call (key query if not done yet, one-time key claim, Olm
// session and Megolm room key to-device before the invite, and the callee's
// own room key before its answer) and a second one (all reused). Before
// them, two calls in a plain direct chat of the two: the first not measured
// (the first call of two new browsers is a cold start that encryption has
// no part in), the second the plain figure the encrypted ones are set
// against, from the same devices at the same time.
async function encrypted() {
  const figures = [0, 1, 2].map(() => ({ ring: [], toCaller: [], toCallee: [] }));
  for (let i = 0; i < RUNS; i++) {
    const { caller, callee, roomId, plainRoomId } = await encryptedPair();
    try {
      await oneCall(caller, callee, plainRoomId, false);
      const paired = await oneCall(caller, callee, plainRoomId, false);
      figures[2].toCaller.push(paired.toCaller);
      figures[2].toCallee.push(paired.toCallee);
      // As for Handset: what the devices do on their own on learning of the
      // rooms has had its time.
      await new Promise((r) => setTimeout(r, 1000));
      for (const f of figures.slice(0, 2)) {
        const call = await oneCall(caller, callee, roomId, true);
        f.ring.push(call.ring);
        f.toCaller.push(call.toCaller);
        f.toCallee.push(call.toCallee);
      }
    } finally {
      await Promise.all([caller.close(), callee.close()]);
    }
  }

  const pairedCaller = row(
    "js-sdk↔js-sdk, the encrypted devices below in their plain chat: answer to first audio at the caller (ms)",
    figures[2].toCaller,
    "as the plain row, the two new devices of each run below, their second call in a plain direct chat of the two, just before their calls in the encrypted one: what those are set against",
  );
  const pairedCallee = row(
    "js-sdk↔js-sdk, the encrypted devices below in their plain chat: answer to first audio at the callee (ms)",
    figures[2].toCallee,
    "same clock start, the callee's remote stream",
  );
  const which = ["first call in the room", "later call in the room"];
  const howRing = [
    "as the plain row, with js-sdk's Rust crypto (initRustCrypto, in memory) on both sides: two new devices (new users, new browsers) each run, in a new encrypted direct chat (createEncryptedDm, joinRoom) that both know is encrypted with 2 joined members, after two calls in a plain direct chat of the two (see above) and 1 s: the first call in the encrypted room, so its invite waits for the Olm session and the Megolm room key share (to-device)",
    "the second call of the same devices in the same room, 0.5 s after the first ended: sessions and room keys reused",
  ];
  const howAudio = [
    "as the plain row, the first call in the encrypted room (see above): the callee's answer waits for its own room key share",
    "as the plain row, the second call of the same devices in the same room",
  ];
  const medians = figures.slice(0, 2).map((f, c) => ({
    ring: row(`js-sdk↔js-sdk encrypted, ${which[c]}: invite to ring (ms)`, f.ring, howRing[c]),
    toCaller: row(`js-sdk↔js-sdk encrypted, ${which[c]}: answer to first audio at the caller (ms)`, f.toCaller, howAudio[c]),
    toCallee: row(
      `js-sdk↔js-sdk encrypted, ${which[c]}: answer to first audio at the callee (ms)`,
      f.toCallee,
      "same clock start, the callee's remote stream",
    ),
  }));
  return { first: medians[0], later: medians[1], paired: { toCaller: pairedCaller, toCallee: pairedCallee } };
}

async function main() {
  if (!base) fail("HANDSET_TEST_HOMESERVER is not set");
  const js = await plain();
  const { first: jsFirst, later: jsLater, paired } = await encrypted();
  const sign = (ms) => `${Math.round(ms) >= 0 ? "+" : "-"}${Math.abs(Math.round(ms))}`;
  for (const [label, e] of [
    ["first call", jsFirst],
    ["later call", jsLater],
  ])
    console.log(
      `| js-sdk: encryption's cost in answer to first audio, ${label} (ms) | ${sign(e.toCaller - paired.toCaller)} / ${sign(e.toCallee - paired.toCallee)} | | | | caller / callee: the encrypted medians less those of the same devices' plain call (the rows above); less the first plain rows: ${sign(e.toCaller - js.toCaller)} / ${sign(e.toCallee - js.toCallee)} |`,
    );

  const summary = process.env.HANDSET_BENCH_SUMMARY;
  if (summary) {
    const handset = JSON.parse(readFileSync(summary, "utf8"));
    const ratio = (figure, mine, theirs, how) =>
      console.log(`| ${figure} | ${(mine / theirs).toFixed(2)} | | | | ${how} |`);
    ratio("Handset ÷ js-sdk: invite to ring (target ≤ 0.4)", handset.ring, js.ring, "ratio of the two medians above");
    ratio(
      "Handset ÷ js-sdk: answer to first audio at the caller (target ≤ 0.5)",
      handset.toCaller,
      js.toCaller,
      "ratio of the two medians above",
    );
    ratio(
      "Handset ÷ js-sdk: answer to first audio at the callee (target ≤ 0.5)",
      handset.toCallee,
      js.toCallee,
      "ratio of the two medians above",
    );
    ratio(
      "Handset ÷ js-sdk without its answer pause: answer to first audio at the caller (target ≤ 0.5)",
      handset.toCaller,
      js.toCallerUnpaused,
      "ratio of Handset's median to js-sdk's with its 200 ms answer pause skipped",
    );
    ratio(
      "Handset ÷ js-sdk without its answer pause: answer to first audio at the callee (target ≤ 0.5)",
      handset.toCallee,
      js.toCalleeUnpaused,
      "ratio of Handset's median to js-sdk's with its 200 ms answer pause skipped",
    );
    if (handset.ringEncrypted !== undefined) {
      for (const [label, mine, theirs] of [
        ["first call", { ring: handset.ringEncrypted, toCaller: handset.toCallerEncrypted, toCallee: handset.toCalleeEncrypted }, jsFirst],
        [
          "later call",
          { ring: handset.ringEncryptedLater, toCaller: handset.toCallerEncryptedLater, toCallee: handset.toCalleeEncryptedLater },
          jsLater,
        ],
      ]) {
        const met = mine.ring / theirs.ring <= 0.5 ? "met" : "missed";
        ratio(
          `Handset ÷ js-sdk encrypted, ${label}: invite to ring (target ≤ 0.5)`,
          mine.ring,
          theirs.ring,
          `ratio of the two encrypted medians above; target ≤ 0.5: ${met}`,
        );
        ratio(
          `Handset ÷ js-sdk encrypted, ${label}: answer to first audio at the caller`,
          mine.toCaller,
          theirs.toCaller,
          "ratio of the two encrypted medians above",
        );
        ratio(
          `Handset ÷ js-sdk encrypted, ${label}: answer to first audio at the callee`,
          mine.toCallee,
          theirs.toCallee,
          "ratio of the two encrypted medians above",
        );
      }
    }
  }
}

main().catch((err) => fail(err.stack || String(err)));

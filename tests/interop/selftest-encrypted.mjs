// SPDX-License-Identifier: GPL-3.0-or-later
// selftest-encrypted.mjs: a manual check that the interop peer (driver.mjs,
// peer.js) holds an end-to-end encrypted 1:1 call with itself, as Element
// Web would: two headless Chromium pages with matrix-js-sdk and its Rust
// crypto, an encrypted DM between two fresh users, a voice call from one to
// the other, answered, connected, hung up; every m.call.* event either page
// received must have come Megolm-encrypted (and decrypted). Then a text
// message each way, for the same; and a Megolm event nobody can decrypt,
// which the page must report as undecryptable. Not part of the suite.
//
//   build-aux/dev homeserver start --port 8600
//   HANDSET_TEST_HOMESERVER=http://127.0.0.1:8600 node tests/interop/selftest-encrypted.mjs
//   build-aux/dev homeserver stop --port 8600
//
// Environment:
//   HANDSET_TEST_HOMESERVER  the homeserver's base URL (registration open,
//                            m.login.dummy, as build-aux/dev's Synapse)
//   HANDSET_INTEROP_DIR      the npm packages (build-aux/dev deps puts them there)
//   HANDSET_INTEROP_LOG      a file for both pages' consoles (optional)
//
// Prints what happened and, last, "PASS" (exit 0) or "FAIL: why" (exit 1).

import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";

const here = dirname(fileURLToPath(import.meta.url));
const driver = join(here, "driver.mjs");
const base = process.env.HANDSET_TEST_HOMESERVER;

function fail(message) {
  console.log(`FAIL: ${message}`);
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
  constructor(name, toneHz) {
    this.name = name;
    this.child = spawn(process.execPath, [driver], {
      env: { ...process.env, HANDSET_INTEROP_TONE_HZ: String(toneHz) },
      stdio: ["pipe", "pipe", "inherit"],
    });
    this.nextId = 0;
    this.replies = new Map();
    this.events = [];
    this.all = [];
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
        if (["call_event", "undecryptable", "message", "pageerror", "fatal", "crash"].includes(message.event))
          console.log(`  ${name} <- ${JSON.stringify(message)}`);
        this.all.push(message);
        this.events.push(message);
        this.waiters = this.waiters.filter((w) => !w());
      }
    });
  }

  command(cmd, args = {}) {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.replies.set(id, (m) =>
        m.ok ? resolve(m.result) : reject(new Error(`${this.name} ${cmd}: ${m.error}`)),
      );
      this.child.stdin.write(JSON.stringify({ id, cmd, ...args }) + "\n");
    });
  }

  // The first event (since the last one taken) that @match accepts.
  event(match, what, timeoutMs = 30000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no ${what} in time`)), timeoutMs);
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

  close() {
    this.child.stdin.end();
    return new Promise((resolve) => this.child.on("exit", resolve));
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, probe, timeoutMs = 20000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > end) throw new Error(`${what}: not in time`);
    await sleep(100);
  }
}

// Every m.call.* event @peer received from @from, and whether all came encrypted.
function callEventsFrom(peer, from) {
  return peer.all.filter((e) => e.event === "call_event" && e.sender === from);
}

async function main() {
  if (!base) fail("HANDSET_TEST_HOMESERVER is not set");
  const alice = await register("e2ealice");
  const bob = await register("e2ebob");
  console.log(`users: ${alice.userId} (${alice.deviceId}), ${bob.userId} (${bob.deviceId})`);

  const caller = new Peer("alice", 440);
  const callee = new Peer("bob", 880);
  const problems = [];
  let bogusId = null;
  try {
    let t = Date.now();
    await Promise.all([caller.event((e) => e.event === "ready", "ready", 90000), callee.event((e) => e.event === "ready", "ready", 90000)]);
    console.log(`both pages ready: ${Date.now() - t} ms`);

    t = Date.now();
    const [a, b] = await Promise.all([
      caller.command("start", { baseUrl: base, ...alice, encrypted: true }),
      callee.command("start", { baseUrl: base, ...bob, encrypted: true }),
    ]);
    console.log(
      `started with Rust crypto: ${Date.now() - t} ms (initRustCrypto: alice ${a.cryptoMs} ms, bob ${b.cryptoMs} ms)`,
    );
    if (!a.encrypted || !b.encrypted) throw new Error("a page has no crypto after start");
    const [ida, idb] = await Promise.all([caller.command("identity"), callee.command("identity")]);
    console.log(`alice: ${JSON.stringify(ida)}`);
    console.log(`bob:   ${JSON.stringify(idb)}`);

    t = Date.now();
    const invited = callee.event((e) => e.event === "invited", "invite");
    const { roomId } = await caller.command("createEncryptedDm", { userId: bob.userId });
    const invite = await invited;
    if (invite.roomId !== roomId || !invite.isDirect) throw new Error(`odd invite ${JSON.stringify(invite)}`);
    const joined = await callee.command("joinRoom", { roomId });
    if (!joined.encrypted) throw new Error("bob's page does not see the DM as encrypted");
    await until("alice sees bob joined", async () => {
      const info = await caller.command("roomInfo", { roomId });
      return info.members?.some((m) => m.userId === bob.userId && m.membership === "join");
    });
    console.log(`encrypted DM ${roomId} created and joined: ${Date.now() - t} ms`);

    // The call: the invite is the room's first encrypted event.
    t = Date.now();
    const incoming = callee.event((e) => e.event === "incoming", "incoming call");
    const placed = await caller.command("placeCall", { roomId });
    const ring = await incoming;
    console.log(`ringing after ${ring.at - placed.placedAt} ms (call ${placed.callId})`);
    const callerConnected = caller.event((e) => e.event === "state" && e.state === "connected", "caller connected");
    const calleeConnected = callee.event((e) => e.event === "state" && e.state === "connected", "callee connected");
    const answered = await callee.command("answer", { callId: ring.callId });
    await Promise.all([callerConnected, calleeConnected]);
    console.log(`both connected ${Date.now() - answered.answeredAt} ms after the answer`);
    const [heard, stats] = await Promise.all([
      callee.command("listen", { callId: ring.callId, ms: 1500 }),
      caller.command("stats", { callId: placed.callId }),
    ]);
    console.log(`bob hears ${heard.hz.toFixed(0)} Hz; alice's audio: ${JSON.stringify(stats.audio)}`);

    const hungUp = callee.event(
      (e) => e.event === "call_event" && e.type === "m.call.hangup",
      "m.call.hangup at bob",
    );
    const ended = callee.event((e) => e.event === "state" && e.state === "ended", "bob's call ended");
    await caller.command("hangup", { callId: placed.callId });
    await Promise.all([hungUp, ended]);
    console.log("hung up");

    // A message each way: Megolm sessions both ways, outside calls too.
    const toBob = callee.event((e) => e.event === "message" && e.body === "hello bob", "message at bob");
    const toAlice = caller.event((e) => e.event === "message" && e.body === "hello alice", "message at alice");
    await caller.command("sendMessage", { roomId, body: "hello bob" });
    await callee.command("sendMessage", { roomId, body: "hello alice" });
    const [m1, m2] = await Promise.all([toBob, toAlice]);
    if (!m1.encrypted || !m2.encrypted) problems.push("a text message arrived unencrypted");
    await sleep(500);

    // Megolm that nobody can decrypt (no such session): "undecryptable".
    const bogus = callee.event((e) => e.event === "undecryptable", "undecryptable at bob");
    const sent = await api(
      "PUT",
      `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.encrypted/bogus-${Date.now()}`,
      alice.accessToken,
      {
        algorithm: "m.megolm.v1.aes-sha2",
        sender_key: ida.curve25519,
        device_id: ida.deviceId,
        session_id: randomBytes(32).toString("base64").replace(/=+$/, ""),
        // A well-formed Megolm message (version 3, index 0, 16 bytes of
        // ciphertext, MAC, signature) of a session nobody has.
        ciphertext: Buffer.concat([Buffer.from([3, 8, 0, 0x12, 16]), randomBytes(16 + 8 + 64)])
          .toString("base64")
          .replace(/=+$/, ""),
      },
    );
    const undecryptable = await bogus;
    bogusId = sent.event_id;
    if (undecryptable.eventId !== sent.event_id) problems.push("the undecryptable event is not the bogus one");
    console.log(`bogus Megolm reported as undecryptable: ${undecryptable.reason} (${undecryptable.message})`);

    // What each side received from the other.
    for (const [peer, from] of [
      [callee, alice.userId],
      [caller, bob.userId],
    ]) {
      const got = callEventsFrom(peer, from);
      const types = got.map((e) => `${e.type}${e.encrypted ? "" : " (UNENCRYPTED)"}`);
      console.log(`${peer.name} received from the other side: ${types.join(", ")}`);
      if (got.length === 0) problems.push(`${peer.name} reported no call events`);
      if (got.some((e) => !e.encrypted)) problems.push(`${peer.name} received unencrypted call events`);
      if (got.some((e) => e.callId !== placed.callId)) problems.push(`${peer.name} saw another call's events`);
      const bad = peer.all.filter((e) => e.event === "undecryptable" && e.eventId !== bogusId);
      if (bad.length) problems.push(`${peer.name} could not decrypt ${bad.length} events`);
      const voip = peer.all.filter((e) => e.event === "voip" && e.sender === from && e.type !== "m.call.candidates");
      for (const v of voip)
        if (!got.some((e) => e.type === v.type)) problems.push(`${peer.name}: js-sdk handled a ${v.type} the peer did not report`);
    }
    const invites = callEventsFrom(callee, alice.userId).filter((e) => e.type === "m.call.invite");
    if (invites.length !== 1) problems.push(`bob reported ${invites.length} m.call.invite`);
    const answers = callEventsFrom(caller, bob.userId).filter((e) => e.type === "m.call.answer");
    if (answers.length !== 1) problems.push(`alice reported ${answers.length} m.call.answer`);
  } finally {
    await Promise.all([caller.close(), callee.close()]);
  }
  if (problems.length) fail(problems.join("; "));
  console.log("PASS");
}

main().catch((err) => fail(err.stack || String(err)));

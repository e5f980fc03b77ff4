// SPDX-License-Identifier: GPL-3.0-or-later
// The page side of the interop peer: a matrix-js-sdk client whose calls
// the driver (driver.mjs) controls. Everything it sees goes out through
// window.handsetEmit, which the driver exposes to the page.
//
// End-to-end encryption, as Element Web has it: start({..., encrypted: true})
// gives the client js-sdk's Rust crypto (matrix-sdk-crypto-wasm; in memory,
// a new device's keys every run); createEncryptedDm / joinRoom make and join
// Megolm rooms; identity() tells the device's curve25519/ed25519 keys.
// Whatever arrives in rooms is reported after decryption: "call_event" for
// m.call.*, "message" for m.room.message (both with encrypted: true when
// they came as m.room.encrypted), "undecryptable" with js-sdk's reason when
// decryption failed, "invited" for invites. setUpRecovery sets up
// cross-signing and Secret Storage as Element Web does; setIsolation turns
// "exclude insecure devices" on; deviceTrust says what the crypto thinks of
// a device. placeElementCall joins a MatrixRTC session as Element Call does
// (its membership, then the ring of the room); declines of it are reported
// as "rtc_decline".

import {
  createClient,
  CallEvent,
  ClientEvent,
  EventType,
  MatrixEventEvent,
  Preset,
  RoomEvent,
  SyncState,
} from "matrix-js-sdk";
import { CallEventHandlerEvent } from "matrix-js-sdk/lib/webrtc/callEventHandler.js";
import { MatrixRTCSessionEvent } from "matrix-js-sdk/lib/matrixrtc/index.js";
import {
  AllDevicesIsolationMode,
  OnlySignedDevicesIsolationMode,
} from "matrix-js-sdk/lib/crypto-api/index.js";

// Secret Storage keys this page made, by key ID, as Element Web caches
// them while it sets recovery up.
const secretStorageKeys = new Map();
const cryptoCallbacks = {
  getSecretStorageKey: async ({ keys }) => {
    const id = Object.keys(keys).find((keyId) => secretStorageKeys.has(keyId));
    return id ? [id, secretStorageKeys.get(id)] : null;
  },
  cacheSecretStorageKey: (keyId, keyInfo, key) => secretStorageKeys.set(keyId, key),
};

let client = null;
const calls = new Map();
let current = null;

// Every event says when it happened, by the wall clock: peers on one
// machine share it, so the benchmark can subtract one's from another's.
function emit(event) {
  window.handsetEmit({ at: Date.now(), ...event });
}

// Made ahead of the first call: making one costs tens of milliseconds.
let audioContext = null;

function callInfo(call) {
  return {
    callId: call.callId,
    state: call.state,
    direction: call.direction,
    type: call.type,
    reason: call.hangupReason ?? null,
    party: call.hangupParty ?? null,
    opponentPartyId: call.opponentPartyId ?? null,
    remoteOnHold: call.isRemoteOnHold(),
    localOnHold: call.isLocalOnHold(),
    signalingState: call.peerConn?.signalingState ?? null,
  };
}

function watch(call) {
  calls.set(call.callId, call);
  current = call;
  call.on(CallEvent.State, (state, old) => emit({ event: "state", old, ...callInfo(call) }));
  // A local reject ends the call without a hangup event: "state" reports
  // every end, this only the ones js-sdk announces.
  call.on(CallEvent.Hangup, () => emit({ event: "hangup", ...callInfo(call) }));
  call.on(CallEvent.Error, (err) =>
    emit({ event: "error", callId: call.callId, code: err.code, message: String(err.message) }),
  );
  call.on(CallEvent.LocalHoldUnhold, (held) =>
    emit({ event: "local_hold", callId: call.callId, held }),
  );
  call.on(CallEvent.RemoteHoldUnhold, (held) =>
    emit({ event: "remote_hold", callId: call.callId, held }),
  );
  call.on(CallEvent.FeedsChanged, () =>
    emit({ event: "feeds", callId: call.callId, remote: remoteFeeds(call) }),
  );
}

function remoteFeeds(call) {
  return call.getRemoteFeeds().map((feed) => ({
    purpose: feed.purpose,
    audio: feed.stream.getAudioTracks().length,
    video: feed.stream.getVideoTracks().length,
  }));
}

function find(callId) {
  const call = callId ? calls.get(callId) : current;
  if (!call) throw new Error(`no call ${callId ?? "(current)"}`);
  return call;
}

// What arrives in rooms, as the page sees it after decryption: every
// m.call.* event ("call_event") and every m.room.message ("message"), each
// once, with its clear type and whether it came encrypted; an event that
// cannot be decrypted is reported as "undecryptable" (once; should its keys
// arrive later, it is then reported as what it turns out to be).
const reported = new Set();
const undecryptable = new Set();

function reportRoomEvent(ev) {
  const id = ev.getId();
  if (reported.has(id)) return;
  const base = {
    type: ev.getType(),
    sender: ev.getSender(),
    roomId: ev.getRoomId(),
    eventId: id,
    encrypted: ev.isEncrypted(),
    own: ev.getSender() === client.getUserId(),
  };
  if (ev.isDecryptionFailure()) {
    if (undecryptable.has(id)) return;
    undecryptable.add(id);
    emit({
      event: "undecryptable",
      ...base,
      type: ev.getWireType(),
      reason: ev.decryptionFailureReason ?? null,
      message: ev.getContent().body ?? null,
      senderKey: ev.getWireContent().sender_key ?? null,
      sessionId: ev.getWireContent().session_id ?? null,
    });
    return;
  }
  const content = ev.getContent();
  if (base.type.startsWith("m.call.") || base.type.startsWith("org.matrix.call.")) {
    reported.add(id);
    emit({ event: "call_event", ...base, callId: content.call_id ?? null });
  } else if (base.type === "org.matrix.msc4310.rtc.decline" || base.type === "m.rtc.decline") {
    reported.add(id);
    emit({ event: "rtc_decline", ...base, relatesTo: content["m.relates_to"]?.event_id ?? null });
  } else if (base.type === EventType.RoomMessage) {
    reported.add(id);
    emit({ event: "message", ...base, msgtype: content.msgtype ?? null, body: content.body ?? null });
  }
}

function onTimeline(ev, room, toStartOfTimeline, removed, data) {
  // Only what arrives live from sync: no back-pagination, no local echoes
  // of what this page sends.
  if (toStartOfTimeline || removed || data?.liveEvent === false || ev.status !== null) return;
  if (ev.isEncrypted() && (ev.isBeingDecrypted() || ev.shouldAttemptDecryption())) {
    // Reported from the Decrypted handler once decryption is done.
    const done = () => {
      reportRoomEvent(ev);
      if (!ev.isDecryptionFailure()) ev.off(MatrixEventEvent.Decrypted, done);
    };
    ev.on(MatrixEventEvent.Decrypted, done);
    if (ev.shouldAttemptDecryption()) client.decryptEventIfNeeded(ev);
    return;
  }
  reportRoomEvent(ev);
  if (ev.isDecryptionFailure()) {
    // Rust crypto retries when the room key arrives later.
    const retried = () => {
      if (ev.isDecryptionFailure()) return;
      ev.off(MatrixEventEvent.Decrypted, retried);
      reportRoomEvent(ev);
    };
    ev.on(MatrixEventEvent.Decrypted, retried);
  }
}

// encrypted: load the Rust crypto (matrix-sdk-crypto-wasm) and give the
// client a device with identity keys, kept in memory only, as Element Web
// does (but without IndexedDB): rooms with m.room.encryption then get
// Megolm-encrypted events, calls included. Costs a second or two, so only
// when asked.
async function start({ baseUrl, userId, accessToken, deviceId, encrypted }) {
  client = createClient({ baseUrl, userId, accessToken, deviceId, cryptoCallbacks });
  const cryptoStartedAt = Date.now();
  if (encrypted) await client.initRustCrypto({ useIndexedDB: false });
  const cryptoMs = encrypted ? Date.now() - cryptoStartedAt : 0;
  client.on(RoomEvent.Timeline, onTimeline);
  client.on(RoomEvent.MyMembership, (room, membership, prev) => {
    if (membership !== "invite" || prev === "invite") return;
    const me = room.getMember(client.getUserId());
    emit({
      event: "invited",
      roomId: room.roomId,
      sender: me?.events.member?.getSender() ?? null,
      isDirect: Boolean(me?.events.member?.getContent().is_direct),
    });
  });
  client.on(CallEventHandlerEvent.Incoming, (call) => {
    watch(call);
    emit({
      event: "incoming",
      sender: call.getOpponentMember()?.userId ?? null,
      roomId: call.roomId,
      ...callInfo(call),
    });
  });
  // What js-sdk received, to tell a reject from a hangup (js-sdk reports
  // both as user_hangup) and to show what Handset sent.
  client.on(ClientEvent.ReceivedVoipEvent, (ev) => {
    const c = ev.getContent();
    if (ev.getType() === "m.call.candidates") {
      console.log(`received candidates ${JSON.stringify(c.candidates)}`);
      return;
    }
    const sdp = c.offer?.sdp ?? c.answer?.sdp ?? c.description?.sdp;
    if (sdp) console.log(`received ${ev.getType()} SDP:\n${sdp}`);
    emit({
      event: "voip",
      type: ev.getType(),
      sender: ev.getSender(),
      callId: c.call_id,
      partyId: c.party_id ?? null,
      reason: c.reason ?? null,
      version: c.version ?? null,
    });
  });
  const synced = new Promise((resolve, reject) => {
    client.on(ClientEvent.Sync, (state) => {
      if (state === SyncState.Prepared || state === SyncState.Syncing) resolve();
      if (state === SyncState.Error) reject(new Error("sync failed"));
    });
  });
  audioContext = new AudioContext();
  await client.startClient({ initialSyncLimit: 1 });
  await synced;
  return {
    userId: client.getUserId(),
    deviceId: client.getDeviceId(),
    voip: client.supportsVoip(),
    encrypted: Boolean(client.getCrypto()),
    cryptoMs,
  };
}

// This device and its identity keys (null without encryption).
async function identity() {
  const crypto = client.getCrypto();
  const keys = crypto ? await crypto.getOwnDeviceKeys() : null;
  return {
    userId: client.getUserId(),
    deviceId: client.getDeviceId(),
    curve25519: keys?.curve25519 ?? null,
    ed25519: keys?.ed25519 ?? null,
    crypto: crypto ? crypto.getVersion() : null,
  };
}

// Recovery as Element Web sets it up: cross-signing keys (uploaded with
// the account's password), Secret Storage under a new recovery key (from
// @passphrase when given), this device signed. Returns the recovery key.
async function setUpRecovery({ password, passphrase }) {
  const crypto = client.getCrypto();
  const recoveryKey = await crypto.createRecoveryKeyFromPassphrase(passphrase || undefined);
  await crypto.bootstrapCrossSigning({
    authUploadDeviceSigningKeys: async (makeRequest) => {
      await makeRequest({
        type: "m.login.password",
        identifier: { type: "m.id.user", user: client.getUserId() },
        password,
      });
    },
  });
  await crypto.bootstrapSecretStorage({
    createSecretStorageKey: async () => recoveryKey,
    setupNewSecretStorage: true,
  });
  return {
    recoveryKey: recoveryKey.encodedPrivateKey,
    crossSigningReady: await crypto.isCrossSigningReady(),
    secretStorageReady: await crypto.isSecretStorageReady(),
  };
}

// "Exclude insecure devices" (MSC4153), as Element Web's setting: room
// keys only for, and events only from, devices their owner cross-signed.
async function setIsolation({ onlySigned }) {
  client
    .getCrypto()
    .setDeviceIsolationMode(
      onlySigned ? new OnlySignedDevicesIsolationMode() : new AllDevicesIsolationMode(false),
    );
  return { onlySigned };
}

// What this page's crypto thinks of another device: cross-signed by its
// owner, verified by us.
async function deviceTrust({ userId, deviceId }) {
  const crypto = client.getCrypto();
  await crypto.getUserDeviceInfo([userId], true);
  const status = await crypto.getDeviceVerificationStatus(userId, deviceId);
  return {
    known: status !== null,
    signedByOwner: status?.signedByOwner ?? false,
    crossSigningVerified: status?.crossSigningVerified ?? false,
  };
}

// Resolves once sync has brought the room with this page's @membership and,
// if @encrypted, its m.room.encryption (which the crypto must know before it
// encrypts anything there).
async function roomReady(roomId, membership, encrypted, timeoutMs = 20000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const room = client.getRoom(roomId);
    if (room && room.getMyMembership() === membership) {
      if (!encrypted) return room;
      const crypto = client.getCrypto();
      if (crypto ? await crypto.isEncryptionEnabledInRoom(roomId) : room.hasEncryptionStateEvent()) return room;
    }
    if (Date.now() > until) throw new Error(`room ${roomId} not ${membership}${encrypted ? " and encrypted" : ""} in time`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function markDirect(userId, roomId) {
  const direct = { ...(client.getAccountData(EventType.Direct)?.getContent() ?? {}) };
  const rooms = direct[userId] ?? [];
  if (!rooms.includes(roomId)) {
    direct[userId] = [...rooms, roomId];
    await client.setAccountData(EventType.Direct, direct);
  }
}

// A direct chat with @userId as Element Web makes one: trusted private
// chat, invite, Megolm from the first event, and m.direct. Resolves once
// this page's sync has the room and knows it is encrypted.
async function createEncryptedDm({ userId }) {
  const { room_id: roomId } = await client.createRoom({
    preset: Preset.TrustedPrivateChat,
    is_direct: true,
    invite: [userId],
    initial_state: [
      { type: EventType.RoomEncryption, state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } },
    ],
  });
  await markDirect(userId, roomId);
  await roomReady(roomId, "join", true);
  return { roomId };
}

// Joins (an invite, usually), marking the room direct when it was invited
// as one. Resolves once sync has the room (and, if it is encrypted, the
// crypto knows so).
async function joinRoom({ roomId }) {
  const invite = client.getRoom(roomId)?.getMember(client.getUserId())?.events.member;
  await client.joinRoom(roomId);
  if (invite?.getContent().is_direct) await markDirect(invite.getSender(), roomId);
  const room = await roomReady(roomId, "join", false);
  if (room.hasEncryptionStateEvent()) await roomReady(roomId, "join", true);
  return { roomId, encrypted: room.hasEncryptionStateEvent() };
}

// A text message (encrypted in an encrypted room).
async function sendMessage({ roomId, body }) {
  const { event_id: eventId } = await client.sendTextMessage(roomId, body);
  return { eventId };
}

// What the page knows of a room.
async function roomInfo({ roomId }) {
  const room = client.getRoom(roomId);
  if (!room) return { roomId, known: false };
  const crypto = client.getCrypto();
  return {
    roomId,
    known: true,
    membership: room.getMyMembership(),
    encryptionEvent: room.hasEncryptionStateEvent(),
    encrypted: crypto ? await crypto.isEncryptionEnabledInRoom(roomId) : false,
    members: room.getMembers().map((m) => ({ userId: m.userId, membership: m.membership })),
  };
}

async function placeCall({ roomId, video }) {
  const placedAt = Date.now();
  if (!client.getRoom(roomId)) throw new Error(`js-sdk does not know room ${roomId}`);
  const call = client.createCall(roomId);
  if (!call) throw new Error("js-sdk cannot make calls here");
  watch(call);
  if (video) await call.placeVideoCall();
  else await call.placeVoiceCall();
  return { ...callInfo(call), placedAt };
}

// An Element Call, placed as Element Call places it: js-sdk's MatrixRTC
// session joins the room's call (its membership event) and, being the
// first one there, rings the room (m.rtc.notification). No media: that
// would take an SFU (LiveKit), which nobody runs here.
const rtcSessions = new Map();

async function placeElementCall({ roomId, video }) {
  const room = client.getRoom(roomId);
  if (!room) throw new Error(`js-sdk does not know room ${roomId}`);
  const session = client.matrixRTC.getRoomSession(room);
  rtcSessions.set(roomId, session);
  const sent = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("js-sdk sent no call notification")), 20000);
    session.once(MatrixRTCSessionEvent.DidSendCallNotification, (notification) => {
      clearTimeout(timer);
      resolve(notification);
    });
  });
  session.joinRoomSession(
    [{ type: "livekit", livekit_service_url: "https://livekit.invalid", livekit_alias: roomId }],
    undefined,
    { notificationType: "ring", callIntent: video ? "video" : "audio" },
  );
  const notification = await sent;
  return {
    eventId: notification.event_id,
    lifetime: notification.lifetime,
    senderTs: notification.sender_ts,
  };
}

async function leaveElementCall({ roomId }) {
  const session = rtcSessions.get(roomId);
  if (!session) throw new Error(`no Element Call in ${roomId}`);
  rtcSessions.delete(roomId);
  return { left: await session.leaveRoomSession(10000) };
}

// js-sdk waits a fixed 200 ms (a setTimeout in gotCallFeedsForAnswer)
// between setting its answer and sending it. answer({skipAnswerPause:
// true}), for the benchmark's "js-sdk without its pause", makes the next
// 200 ms timer the page sets fire at once; pauseSkipped() counts the
// pauses skipped so far, so the benchmark can check one was.
const pageSetTimeout = globalThis.setTimeout.bind(globalThis);
let skipNextAnswerPause = false;
let answerPausesSkipped = 0;
globalThis.setTimeout = (fn, ms, ...args) => {
  if (skipNextAnswerPause && ms === 200) {
    skipNextAnswerPause = false;
    answerPausesSkipped++;
    return pageSetTimeout(fn, 0, ...args);
  }
  return pageSetTimeout(fn, ms, ...args);
};

function pauseSkipped() {
  return { answerPausesSkipped };
}

async function answer({ callId, video, skipAnswerPause }) {
  const answeredAt = Date.now();
  const call = find(callId);
  skipNextAnswerPause = !!skipAnswerPause;
  await call.answer(true, video ?? call.type === "video");
  return { ...callInfo(call), answeredAt };
}

function reject({ callId }) {
  const call = find(callId);
  call.reject();
  return callInfo(call);
}

function hangup({ callId }) {
  const call = find(callId);
  call.hangup("user_hangup", false);
  return callInfo(call);
}

function hold({ callId, held }) {
  const call = find(callId);
  call.setRemoteOnHold(held);
  return callInfo(call);
}

function info({ callId }) {
  return callInfo(find(callId));
}

// RTP counters of the call's peer connection, by kind.
async function stats({ callId }) {
  const call = find(callId);
  const out = {
    audio: { bytesSent: 0, bytesReceived: 0 },
    video: { bytesSent: 0, bytesReceived: 0, framesDecoded: 0 },
    pair: null,
  };
  if (!call.peerConn) return out;
  const report = await call.peerConn.getStats();
  const byId = new Map();
  report.forEach((s) => byId.set(s.id, s));
  report.forEach((s) => {
    const kind = s.kind ?? s.mediaType;
    if (s.type === "outbound-rtp" && out[kind]) out[kind].bytesSent += s.bytesSent ?? 0;
    if (s.type === "inbound-rtp" && out[kind]) {
      out[kind].bytesReceived += s.bytesReceived ?? 0;
      if (kind === "video") out.video.framesDecoded += s.framesDecoded ?? 0;
    }
    if (s.type === "transport" && s.selectedCandidatePairId) {
      const pair = byId.get(s.selectedCandidatePairId);
      const local = pair && byId.get(pair.localCandidateId);
      const remote = pair && byId.get(pair.remoteCandidateId);
      if (local && remote)
        out.pair = `${local.address}:${local.port} ${local.candidateType} -> ${remote.address}:${remote.port} ${remote.candidateType}`;
    }
  });
  return out;
}

// The strongest frequency in the remote audio, over ms milliseconds:
// what a person on the browser's side would hear.
async function listen({ callId, ms }) {
  const call = find(callId);
  const feed = call.getRemoteFeeds().find((f) => f.stream.getAudioTracks().length);
  if (!feed) throw new Error("no remote audio");
  // Chromium feeds a remote WebRTC stream into Web Audio only while a
  // media element plays it.
  const element = new Audio();
  element.muted = true;
  element.srcObject = feed.stream;
  await element.play().catch(() => {});
  const context = new AudioContext();
  await context.resume();
  const analyser = context.createAnalyser();
  analyser.fftSize = 8192;
  analyser.smoothingTimeConstant = 0;
  context.createMediaStreamSource(feed.stream).connect(analyser);
  const bins = new Float32Array(analyser.frequencyBinCount);
  const hz = context.sampleRate / analyser.fftSize;
  const peaks = [];
  const until = performance.now() + (ms ?? 1500);
  while (performance.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    analyser.getFloatFrequencyData(bins);
    let best = 1;
    for (let i = 2; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
    if (bins[best] > -70) peaks.push({ hz: best * hz, db: bins[best] });
  }
  await context.close();
  element.srcObject = null;
  peaks.sort((a, b) => a.hz - b.hz);
  const median = peaks.length ? peaks[Math.floor(peaks.length / 2)] : null;
  return { windows: peaks.length, hz: median?.hz ?? 0, db: median?.db ?? -200 };
}

function remoteAudioFeed(callId) {
  const call = callId ? calls.get(callId) : current;
  return call?.getRemoteFeeds().find((f) => f.stream.getAudioTracks().length) ?? null;
}

const tick = () => new Promise((r) => setTimeout(r, 2));

// When the first loud remote sample (beyond ±2000 of 16 bits, as Handset's
// benchmark counts) reaches Web Audio, by the wall clock. Waits for the
// call's remote feed first, so it can be asked before the answer.
async function firstAudio({ callId, timeoutMs }) {
  const until = performance.now() + (timeoutMs ?? 20000);
  audioContext ??= new AudioContext();
  await audioContext.resume();
  let feed;
  while (!(feed = remoteAudioFeed(callId))) {
    if (performance.now() > until) throw new Error("no remote audio feed");
    await tick();
  }
  const element = new Audio();
  element.muted = true;
  element.srcObject = feed.stream;
  element.play().catch(() => {});
  const analyser = audioContext.createAnalyser();
  analyser.fftSize = 256;
  const source = audioContext.createMediaStreamSource(feed.stream);
  source.connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  try {
    while (performance.now() < until) {
      analyser.getFloatTimeDomainData(samples);
      if (samples.some((v) => Math.abs(v) > 2000 / 32768)) return { at: Date.now() };
      await tick();
    }
  } finally {
    source.disconnect();
    element.srcObject = null;
  }
  throw new Error("no loud remote audio");
}

// The screen a person would pick: a 1280x720 canvas of colour bars (light
// grey at the left, blue at the right, as SMPTE bars) with a black block
// moving across, redrawn 15 times a second. Headless Chromium has no
// desktop to capture, so getDisplayMedia, which js-sdk's MediaHandler
// calls, gives this canvas's stream.
function fakeScreen() {
  const canvas = document.createElement("canvas");
  canvas.width = 1280;
  canvas.height = 720;
  const context = canvas.getContext("2d");
  const bars = ["#c0c0c0", "#c0c000", "#00c0c0", "#00c000", "#c000c0", "#c00000", "#0000c0"];
  let frame = 0;
  const draw = () => {
    bars.forEach((colour, i) => {
      context.fillStyle = colour;
      context.fillRect(Math.floor((i * 1280) / 7), 0, Math.ceil(1280 / 7) + 1, 720);
    });
    context.fillStyle = "#000000";
    context.fillRect((frame++ * 16) % 1280, 560, 64, 120);
  };
  draw();
  const timer = setInterval(draw, 66);
  const stream = canvas.captureStream(15);
  stream.getVideoTracks()[0].addEventListener("ended", () => clearInterval(timer));
  return stream;
}

navigator.mediaDevices.getDisplayMedia = async () => fakeScreen();

// Shares (or stops sharing) the screen, as Element's button does.
async function shareScreen({ callId, enabled }) {
  const call = find(callId);
  const sharing = await call.setScreensharingEnabled(enabled);
  return { sharing, feeds: remoteFeeds(call), ...callInfo(call) };
}

// The remote feed js-sdk labels a screen share, and what the browser
// decoded of its video track: frames, and their size.
async function screenshare({ callId }) {
  const call = find(callId);
  const feed = call
    .getRemoteFeeds()
    .find((f) => f.purpose === "m.screenshare" && f.stream.getVideoTracks().length);
  const out = { feeds: remoteFeeds(call), found: !!feed, framesDecoded: 0, width: 0, height: 0 };
  if (!feed || !call.peerConn) return out;
  const track = feed.stream.getVideoTracks()[0];
  const receiver = call.peerConn.getReceivers().find((r) => r.track === track);
  if (!receiver) return out;
  const report = await receiver.getStats();
  report.forEach((s) => {
    if (s.type === "inbound-rtp" && (s.kind ?? s.mediaType) === "video") {
      out.framesDecoded += s.framesDecoded ?? 0;
      out.width = s.frameWidth ?? out.width;
      out.height = s.frameHeight ?? out.height;
    }
  });
  return out;
}

window.peer = {
  start,
  identity,
  setUpRecovery,
  setIsolation,
  deviceTrust,
  createEncryptedDm,
  joinRoom,
  sendMessage,
  roomInfo,
  placeCall,
  placeElementCall,
  leaveElementCall,
  answer,
  pauseSkipped,
  reject,
  hangup,
  hold,
  info,
  stats,
  listen,
  firstAudio,
  shareScreen,
  screenshare,
};
emit({ event: "loaded" });

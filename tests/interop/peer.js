// The page side of the interop peer: a matrix-js-sdk client whose calls
// the driver (driver.mjs) controls. Everything it sees goes out through
// window.handsetEmit, which the driver exposes to the page.

import { createClient, CallEvent, ClientEvent, SyncState } from "matrix-js-sdk";
import { CallEventHandlerEvent } from "matrix-js-sdk/lib/webrtc/callEventHandler.js";

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

async function start({ baseUrl, userId, accessToken, deviceId }) {
  client = createClient({ baseUrl, userId, accessToken, deviceId });
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
  return { userId: client.getUserId(), deviceId: client.getDeviceId(), voip: client.supportsVoip() };
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

async function answer({ callId, video }) {
  const answeredAt = Date.now();
  const call = find(callId);
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

window.peer = {
  start,
  placeCall,
  answer,
  reject,
  hangup,
  hold,
  info,
  stats,
  listen,
  firstAudio,
};
emit({ event: "loaded" });

// SPDX-License-Identifier: GPL-3.0-or-later
// driver.mjs: matrix-js-sdk in headless Chromium, as a call peer that a
// test drives through JSON lines.
//
// stdin:  {"id": N, "cmd": "start" | "placeCall" | "answer" | ..., ...arguments}
//         (the commands are the functions of window.peer in peer.js)
// stdout: {"id": N, "ok": true, "result": ...} or {"id": N, "ok": false, "error": "..."}
//         {"event": "...", ...} for whatever happens in between
//
// The page is peer.js bundled as an ES module, served from 127.0.0.1 with
// the Rust crypto's .wasm next to it (fetched only by start with
// encrypted: true).
//
// Environment:
//   HANDSET_INTEROP_DIR      where install.sh put the npm packages
//   HANDSET_INTEROP_TONE_HZ  the tone the browser's fake microphone plays (440)
//   HANDSET_INTEROP_LOG      a file for the page's console (js-sdk's log)
//   HANDSET_INTEROP_CHROMIUM the browser (/usr/bin/chromium)
//
// It ends, taking the browser with it, when stdin closes.

import { createRequire } from "node:module";
import { createServer } from "node:http";
import { createInterface } from "node:readline";
import {
  createReadStream,
  createWriteStream,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const packages = process.env.HANDSET_INTEROP_DIR || "/var/cache/handset/npm/interop";
// The packages live outside the checkout: resolve them from there.
const require = createRequire(join(packages, "package.json"));
const { chromium } = require("playwright-core");
const esbuild = require("esbuild");

const toneHz = Number(process.env.HANDSET_INTEROP_TONE_HZ || 440);
const log = createWriteStream(process.env.HANDSET_INTEROP_LOG || "/dev/null", { flags: "a" });

function send(message) {
  process.stdout.write(JSON.stringify(message) + "\n");
}

// Two seconds of a mono 16-bit 48 kHz sine: a whole number of periods
// for a whole number of Hz, so the browser loops the file without a click.
function toneWav(hz) {
  const rate = 48000;
  const frames = rate * 2;
  const data = Buffer.alloc(frames * 2);
  for (let i = 0; i < frames; i++)
    data.writeInt16LE(Math.round(16000 * Math.sin((2 * Math.PI * hz * i) / rate)), i * 2);
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVEfmt ", 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

const work = mkdtempSync(join(tmpdir(), "handset-interop-"));
let browser = null;
let server = null;
let closing = false;

async function close(code) {
  if (closing) return;
  closing = true;
  await browser?.close().catch(() => {});
  server?.close();
  rmSync(work, { recursive: true, force: true });
  log.end(() => process.exit(code));
}

async function main() {
  // An ES module, not an IIFE: the crypto's wasm glue finds its .wasm by
  // import.meta.url, which only a module has.
  const { metafile } = await esbuild.build({
    entryPoints: [join(here, "peer.js")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "chrome120",
    outfile: join(work, "peer.bundle.js"),
    nodePaths: [join(packages, "node_modules")],
    logLevel: "error",
    metafile: true,
  });
  writeFileSync(join(work, "peer.html"), readFileSync(join(here, "peer.html")));
  writeFileSync(join(work, "tone.wav"), toneWav(toneHz));

  // URL path -> [file, Content-Type].
  const files = new Map([
    ["/peer.html", [join(work, "peer.html"), "text/html"]],
    ["/peer.bundle.js", [join(work, "peer.bundle.js"), "text/javascript"]],
  ]);
  // The Rust crypto's wasm (matrix-sdk-crypto-wasm), fetched only by
  // initRustCrypto(): its glue asks for new URL("./pkg/NAME.wasm",
  // import.meta.url), which is next to the bundle, so serve it from there
  // straight out of node_modules (wherever the bundle took the glue from).
  for (const input of Object.keys(metafile.inputs)) {
    const glue = input.match(/^(.*matrix-sdk-crypto-wasm)\/index\.mjs$/);
    if (!glue) continue;
    const pkg = join(resolve(glue[1]), "pkg");
    for (const name of readdirSync(pkg).filter((n) => n.endsWith(".wasm")))
      files.set(`/pkg/${name}`, [join(pkg, name), "application/wasm"]);
  }

  server = createServer((req, res) => {
    const file = files.get(req.url.split("?")[0]);
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": file[1], "Content-Length": statSync(file[0]).size });
    createReadStream(file[0]).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;

  browser = await chromium.launch({
    executablePath: process.env.HANDSET_INTEROP_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-audio-capture=${join(work, "tone.wav")}`,
      "--allow-loopback-in-peer-connection",
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
  const page = await browser.newPage();
  page.on("console", (msg) => log.write(`[${msg.type()}] ${msg.text()}\n`));
  page.on("pageerror", (err) => {
    log.write(`[pageerror] ${err.stack || err}\n`);
    send({ event: "pageerror", message: String(err.message || err) });
  });
  page.on("crash", () => send({ event: "crash" }));
  let markLoaded;
  const loaded = new Promise((resolve) => (markLoaded = resolve));
  await page.exposeFunction("handsetEmit", (event) => {
    log.write(`[event] ${JSON.stringify(event)}\n`);
    if (event.event === "loaded") markLoaded();
    else send(event);
  });
  await page.goto(`${origin}/peer.html`);
  await loaded;
  send({ event: "ready", toneHz, browser: browser.version() });

  const lines = createInterface({ input: process.stdin });
  lines.on("line", async (line) => {
    if (!line.trim()) return;
    let request;
    try {
      request = JSON.parse(line);
    } catch {
      send({ event: "bad-command", line });
      return;
    }
    const { id, cmd, ...args } = request;
    log.write(`[command] ${line}\n`);
    try {
      const result = await page.evaluate(([c, a]) => window.peer[c](a), [cmd, args]);
      send({ id, ok: true, result });
    } catch (err) {
      // The first line: the rest is playwright's stack.
      const message = String(err.message || err).replace(/^page\.evaluate: (Error: )?/, "");
      send({ id, ok: false, error: message.split("\n")[0] });
    }
  });
  lines.on("close", () => close(0));
}

process.on("SIGTERM", () => close(0));
process.on("SIGINT", () => close(0));
main().catch((err) => {
  process.stderr.write(`driver: ${err.stack || err}\n`);
  send({ event: "fatal", message: String(err.message || err) });
  close(1);
});

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check the Flatpak manifest as flatpak-builder reads it.

Usage: check-flatpak.py MANIFEST

Runs `flatpak-builder --show-manifest MANIFEST` (which also inlines modules
and sources kept in files of their own) and checks the result: the app id,
the command, the runtime, the sandbox holes that must be there and those
that must not, that every downloaded source is pinned (an https URL and a
sha256, or a git commit), and that the app module builds this checkout.
Prints one line per problem and exits 1 if there is any.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

APP_ID = "io.github.handset.Handset"
COMMAND = "handset"
RUNTIME = "org.gnome.Platform"
SDK = "org.gnome.Sdk"
MIN_RUNTIME_VERSION = 47

REQUIRED_FINISH_ARGS = [
    "--share=network",
    "--share=ipc",
    "--socket=pulseaudio",
    "--socket=wayland",
    "--socket=fallback-x11",
    "--device=dri",
]

# Each of these, or a form of it with a suffix (":ro", ":create"), is a hole
# the app does not need: files through the document portal, the camera
# through the Camera portal, secrets through the Secret portal, the
# autostart entry through the Background portal.
FORBIDDEN_FINISH_ARGS = [
    "--filesystem=host",
    "--filesystem=host-os",
    "--filesystem=home",
    "--filesystem=xdg-config/autostart",
    # The camera and the screen come as descriptors from their portals:
    # PipeWire's socket itself would show every camera and stream.
    "--filesystem=xdg-run/pipewire-0",
    "--device=all",
    "--socket=system-bus",
    "--socket=session-bus",
    "--talk-name=org.freedesktop.secrets",
    # Portals need no talk-name; GNotification uses the Notification portal
    # in a sandbox.
    "--talk-name=org.freedesktop.portal.Desktop",
    "--talk-name=org.freedesktop.Notifications",
]

HEX64 = re.compile(r"^[0-9a-f]{64}$")
GIT_COMMIT = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


def show_manifest(manifest, problems):
    builder = shutil.which("flatpak-builder")
    if builder is None:
        problems.append("flatpak-builder is not installed (build-aux/dev deps installs it)")
        return None
    # --show-manifest leaves a .flatpak-builder state directory in the
    # current directory: run it in a scratch one.
    with tempfile.TemporaryDirectory(prefix="check-flatpak-") as scratch:
        proc = subprocess.run(
            [builder, "--show-manifest", manifest],
            cwd=scratch,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    if proc.returncode != 0:
        problems.append(
            "flatpak-builder --show-manifest failed (exit %d): %s"
            % (proc.returncode, proc.stderr.strip() or proc.stdout.strip())
        )
        return None
    if proc.stderr.strip():
        # Unknown properties and the like: flatpak-builder warns and goes on.
        problems.append("flatpak-builder --show-manifest warned: %s" % proc.stderr.strip())
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        problems.append("flatpak-builder --show-manifest did not print JSON: %s" % e)
        return None
    if not isinstance(data, dict):
        problems.append("flatpak-builder --show-manifest printed JSON that is not an object")
        return None
    return data


def check_top_level(m, problems):
    app_id = m.get("id", m.get("app-id"))
    if app_id != APP_ID:
        problems.append("app id is %r, expected %r" % (app_id, APP_ID))
    if m.get("command") != COMMAND:
        problems.append("command is %r, expected %r" % (m.get("command"), COMMAND))
    if m.get("runtime") != RUNTIME:
        problems.append("runtime is %r, expected %r" % (m.get("runtime"), RUNTIME))
    if m.get("sdk") != SDK:
        problems.append("sdk is %r, expected %r" % (m.get("sdk"), SDK))
    version = str(m.get("runtime-version", ""))
    if not version.isdigit() or int(version) < MIN_RUNTIME_VERSION:
        problems.append(
            "runtime-version is %r, expected a GNOME branch >= %d" % (version, MIN_RUNTIME_VERSION)
        )


def check_finish_args(m, problems):
    args = m.get("finish-args", [])
    if not isinstance(args, list):
        problems.append("finish-args is not a list")
        return
    for arg in REQUIRED_FINISH_ARGS:
        if arg not in args:
            problems.append("finish-args lacks %s" % arg)
    for arg in args:
        for bad in FORBIDDEN_FINISH_ARGS:
            if arg == bad or arg.startswith(bad + ":"):
                problems.append("finish-args has %s, which is too broad" % arg)
        # Handset talks to portals only: no bus name needs opening.
        if arg.startswith("--talk-name=") or arg.startswith("--own-name="):
            problems.append("finish-args has %s, which nothing in Handset calls" % arg)


def check_finish_args_explained(m, manifest, problems):
    """Each finish-arg has its row in the README's table: | `ARG` | why |."""
    readme = os.path.join(os.path.dirname(manifest), "README.md")
    try:
        with open(readme, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        problems.append("%s cannot be read: %s" % (readme, e))
        return
    explained = set(re.findall(r"^\| `([^`]+)` \|\s*\S", text, re.MULTILINE))
    args = m.get("finish-args", [])
    for arg in args if isinstance(args, list) else []:
        if arg not in explained:
            problems.append("finish-args has %s, which %s does not explain" % (arg, readme))


def check_source(where, i, src, problems):
    label = "%s: source %d" % (where, i)
    if not isinstance(src, dict):
        problems.append("%s is %r, not an object flatpak-builder resolved" % (label, src))
        return
    kind = src.get("type")
    label += " (%s)" % kind
    if kind in ("archive", "file"):
        url = src.get("url")
        if not isinstance(url, str) or not url.startswith("https://"):
            problems.append("%s has no https url (url: %r)" % (label, url))
        sha = src.get("sha256")
        if not isinstance(sha, str) or not HEX64.match(sha):
            problems.append("%s has no 64-hex sha256 (sha256: %r)" % (label, sha))
    elif kind == "git":
        commit = src.get("commit")
        if not isinstance(commit, str) or not GIT_COMMIT.match(commit):
            problems.append("%s has no pinned commit (commit: %r)" % (label, commit))
        url = src.get("url")
        if isinstance(url, str) and not url.startswith("https://"):
            problems.append("%s has a url that is not https: %r" % (label, url))


def walk_modules(modules, path, problems, out):
    if not isinstance(modules, list):
        problems.append("%s: modules is not a list" % (path or "manifest"))
        return
    for i, mod in enumerate(modules):
        if not isinstance(mod, dict):
            problems.append("%s module %d is %r, not an object" % (path or "manifest", i, mod))
            continue
        name = mod.get("name", "#%d" % i)
        where = "module %s" % ("/".join(filter(None, [path, name])))
        out.append((where, mod))
        sources = mod.get("sources", [])
        if not isinstance(sources, list):
            problems.append("%s: sources is not a list" % where)
            sources = []
        for j, src in enumerate(sources):
            check_source(where, j, src, problems)
        walk_modules(mod.get("modules", []), "/".join(filter(None, [path, name])), problems, out)


def is_checkout(directory):
    meson_build = os.path.join(directory, "meson.build")
    try:
        with open(meson_build, encoding="utf-8") as f:
            head = f.read(200)
    except OSError:
        return False
    return re.match(r"\s*project\(\s*'handset'", head) is not None


def check_app_module(m, manifest, problems):
    modules = m.get("modules", [])
    if not isinstance(modules, list) or not modules or not isinstance(modules[-1], dict):
        problems.append("there is no app module (the last top-level module)")
        return
    app = modules[-1]
    where = "app module %s (the last top-level module)" % app.get("name")
    if app.get("buildsystem") != "meson":
        problems.append("%s: buildsystem is %r, expected 'meson'" % (where, app.get("buildsystem")))
    if "-Dtests=false" not in app.get("config-opts", []):
        problems.append("%s: config-opts lack -Dtests=false" % where)
    base = os.path.dirname(os.path.abspath(manifest))
    dirs = [
        s for s in app.get("sources", []) if isinstance(s, dict) and s.get("type") == "dir"
    ]
    if not dirs:
        problems.append("%s does not build from the checkout (no dir source)" % where)
        return
    for s in dirs:
        path = os.path.normpath(os.path.join(base, s.get("path", "")))
        if not is_checkout(path):
            problems.append(
                "%s: dir source %r is %s, not the Handset checkout (no meson.build with "
                "project('handset'))" % (where, s.get("path"), path)
            )


def main(argv):
    if len(argv) != 2:
        print("usage: %s MANIFEST" % argv[0], file=sys.stderr)
        return 2
    manifest = os.path.abspath(argv[1])
    problems = []
    m = show_manifest(manifest, problems)
    if m is not None:
        check_top_level(m, problems)
        check_finish_args(m, problems)
        check_finish_args_explained(m, manifest, problems)
        all_modules = []
        walk_modules(m.get("modules", []), "", problems, all_modules)
        check_app_module(m, manifest, problems)
    for p in problems:
        print("check-flatpak: %s: %s" % (manifest, p), file=sys.stderr)
    if problems:
        print("check-flatpak: %d problem(s)" % len(problems), file=sys.stderr)
        return 1
    print(
        "check-flatpak: %s: ok (%d modules, all downloaded sources pinned)"
        % (manifest, len(all_modules))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

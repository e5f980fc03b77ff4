#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Hold the m.call.* builders and parser against the Matrix spec.

Usage: check-call-events.py TOOL SPEC_DIR

TOOL is call-event-tool; SPEC_DIR holds event-schemas/ from matrix-spec.

1. Every event of `TOOL build` must validate against its
   event-schemas/schema/<type>.yaml (JSON Schema 2020-12, $refs resolved
   relative to the referring file) and follow the rules of the VoIP digest,
   section 17, items 1, 2, 4, 6 and 7.
2. Every event-schemas/examples/m.call.*.yaml, with its "$ref" merged in as
   the spec's own tooling does, must make `TOOL parse` answer "ok".

Needs only python3, python3-yaml and python3-jsonschema (Debian 12 ships
jsonschema 4.10, which has RefResolver; newer ones have referencing).
"""

import json
import pathlib
import re
import subprocess
import sys
import urllib.parse
import urllib.request

import jsonschema
import yaml

# The opaque identifier grammar of the spec's appendix.
OPAQUE_ID = re.compile(r"^[0-9A-Za-z._~-]{1,255}$")

HANGUP_REASONS = {
    "ice_timeout",
    "ice_failed",
    "invite_timeout",
    "user_hangup",
    "user_media_failed",
    "user_busy",
    "unknown_error",
}

# What call-event-tool builds with; see the top of call-event-tool.c.
MIN_PARTY_ID_LENGTH = 8
INVITE_LIFETIME = 90000

# The event types call-event-tool must cover, each at least once.
CALL_TYPES = {
    "m.call.invite",
    "m.call.candidates",
    "m.call.answer",
    "m.call.select_answer",
    "m.call.reject",
    "m.call.negotiate",
    "m.call.hangup",
    "m.call.sdp_stream_metadata_changed",
}


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def report(self, ok, name, problems=()):
        if ok:
            self.passed += 1
            print(f"ok   {name}")
        else:
            self.failed += 1
            print(f"FAIL {name}")
            for problem in problems:
                print(f"     {problem}")


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def make_validator(schema_path):
    """A 2020-12 validator whose $refs resolve against the files on disk."""
    schema_path = schema_path.resolve()
    schema = load_yaml(schema_path)
    base_uri = schema_path.as_uri()

    def retrieve_file(uri):
        # Only files next to the schemas; nothing is fetched from the network.
        if not uri.startswith("file:"):
            raise ValueError(f"refusing to fetch {uri}")
        return load_yaml(urllib.request.url2pathname(urllib.parse.urlparse(uri).path))

    # jsonschema 4.18 and later resolve through a referencing registry and
    # deprecate RefResolver; Debian 12's 4.10 has only RefResolver.
    try:
        import referencing
        import referencing.jsonschema

        def retrieve(uri):
            return referencing.Resource.from_contents(
                retrieve_file(uri), default_specification=referencing.jsonschema.DRAFT202012
            )

        # The root schema has no $id; its file's URI is the base of its $refs.
        return jsonschema.Draft202012Validator(
            dict(schema, **{"$id": base_uri}), registry=referencing.Registry(retrieve=retrieve)
        )
    except (ImportError, TypeError):
        pass

    resolver = jsonschema.RefResolver(
        base_uri=base_uri, referrer=schema, handlers={"file": retrieve_file}
    )
    return jsonschema.Draft202012Validator(schema, resolver=resolver)


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def rule_problems(event):
    """The rules of the VoIP digest, section 17, that apply to a sent event."""
    problems = []
    event_type = event.get("type")
    content = event.get("content")
    if not isinstance(content, dict):
        return ["content is not an object"]

    # 1. call_id, party_id and version "1" on every event.
    if content.get("version") != "1":
        problems.append(f"rule 1: version is {content.get('version')!r}, not the string \"1\"")
    # 2. Both IDs in the grammar, the party ID long enough to be unique.
    for key in ("call_id", "party_id"):
        value = content.get(key)
        if not isinstance(value, str) or not OPAQUE_ID.match(value):
            problems.append(f"rule 2: {key} {value!r} is outside the opaque ID grammar")
    party_id = content.get("party_id")
    if isinstance(party_id, str) and len(party_id) < MIN_PARTY_ID_LENGTH:
        problems.append(f"rule 2: party_id {party_id!r} is shorter than {MIN_PARTY_ID_LENGTH}")

    if event_type == "m.call.invite":
        # 4. An offer, and an integer lifetime of at least 90 s.
        offer = content.get("offer")
        if not isinstance(offer, dict) or offer.get("type") != "offer":
            problems.append("rule 4: offer.type is not \"offer\"")
        elif not isinstance(offer.get("sdp"), str):
            problems.append("rule 4: offer.sdp is not a string")
        lifetime = content.get("lifetime")
        if not is_int(lifetime) or lifetime < INVITE_LIFETIME:
            problems.append(f"rule 4: lifetime {lifetime!r} is not an integer >= {INVITE_LIFETIME}")
    elif event_type == "m.call.answer":
        # 6. An answer of type answer with its SDP.
        answer = content.get("answer")
        if not isinstance(answer, dict) or answer.get("type") != "answer":
            problems.append("rule 6: answer.type is not \"answer\"")
        elif not isinstance(answer.get("sdp"), str):
            problems.append("rule 6: answer.sdp is not a string")
    elif event_type == "m.call.hangup":
        # 7. A reason, from the spec's enum.
        if content.get("reason") not in HANGUP_REASONS:
            problems.append(f"rule 7: reason {content.get('reason')!r} is not in the spec enum")
    elif event_type == "m.call.candidates":
        # The end of candidates goes last and alone: no sdpMid or sdpMLineIndex.
        candidates = content.get("candidates") or []
        for i, candidate in enumerate(candidates):
            if isinstance(candidate, dict) and candidate.get("candidate") == "":
                if "sdpMid" in candidate or "sdpMLineIndex" in candidate:
                    problems.append(f"candidates[{i}]: end of candidates with sdpMid/sdpMLineIndex")
                if i != len(candidates) - 1:
                    problems.append(f"candidates[{i}]: end of candidates is not last")
    return problems


def check_built(checker, tool, schema_dir):
    result = subprocess.run([tool, "build"], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        checker.report(False, f"{tool} build", [f"exit status {result.returncode}", result.stderr])
        return
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    validators = {}
    seen_types = set()

    for number, line in enumerate(lines, 1):
        try:
            event = json.loads(line)
        except json.JSONDecodeError as e:
            checker.report(False, f"built event {number}", [f"not JSON: {e}"])
            continue
        event_type = event.get("type") if isinstance(event, dict) else None
        name = f"built event {number} ({event_type})"
        schema_path = schema_dir / f"{event_type}.yaml"
        if event_type not in CALL_TYPES or not schema_path.is_file():
            checker.report(False, name, [f"no schema for type {event_type!r}"])
            continue
        seen_types.add(event_type)
        if event_type not in validators:
            validators[event_type] = make_validator(schema_path)
        problems = [
            f"schema: {'/'.join(str(p) for p in error.absolute_path) or '(event)'}: {error.message}"
            for error in validators[event_type].iter_errors(event)
        ]
        problems += rule_problems(event)
        checker.report(not problems, name, problems)

    missing = sorted(CALL_TYPES - seen_types)
    checker.report(not missing, "every call event type is built",
                   [f"never built: {', '.join(missing)}"] if missing else [])


def resolve_example(path):
    """An example with its "$ref" resolved, the example's own keys winning."""
    example = load_yaml(path)
    ref = example.pop("$ref", None)
    if ref is None:
        return example
    merged = resolve_example(path.parent / ref)
    merged.update(example)
    return merged


def check_examples(checker, tool, examples_dir):
    paths = sorted(examples_dir.glob("m.call.*.yaml"))
    if not paths:
        checker.report(False, "examples", [f"no m.call.*.yaml in {examples_dir}"])
        return
    lines = [json.dumps(resolve_example(path), separators=(",", ":")) for path in paths]
    result = subprocess.run(
        [tool, "parse"], input="\n".join(lines) + "\n", capture_output=True, text=True, check=False
    )
    answers = result.stdout.splitlines()
    if len(answers) != len(paths):
        checker.report(False, f"{tool} parse", [
            f"{len(answers)} answers for {len(paths)} examples", result.stderr])
        return

    all_ok = True
    for path, answer in zip(paths, answers):
        expected = f"ok {path.name[: -len('.yaml')]}"
        all_ok = all_ok and answer == expected
        checker.report(answer == expected, f"example {path.name} parses",
                       [f"expected {expected!r}, got {answer!r}"])
    # The exit status must agree with the answers.
    if all_ok and result.returncode != 0:
        checker.report(False, f"{tool} parse", [f"exit status {result.returncode}"])


def main(argv):
    if len(argv) != 3:
        print(f"usage: {argv[0]} TOOL SPEC_DIR", file=sys.stderr)
        return 2
    tool = argv[1]
    event_schemas = pathlib.Path(argv[2]) / "event-schemas"
    checker = Checker()

    check_built(checker, tool, event_schemas / "schema")
    check_examples(checker, tool, event_schemas / "examples")

    print(f"{checker.passed} passed, {checker.failed} failed")
    return 1 if checker.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""make watch's own decisions, without a stack: what it refuses to deploy and how it reads a
warm-up invocation's answer."""

from __future__ import annotations

import io
import json
from pathlib import Path

from devkit import watch


def test_a_syntax_error_is_reported_with_its_place_and_never_deployed(tmp_path: Path) -> None:
    good, broken = tmp_path / "fine.py", tmp_path / "broken.py"
    good.write_text("x = 1\n")
    broken.write_text("x = 1\ndef f(:\n    pass\n")
    assert watch.syntax_error([good]) is None
    assert watch.syntax_error([good, broken]) == f"{broken}:2: invalid syntax"


def answer(payload: object, function_error: bool = False) -> dict[str, object]:
    response: dict[str, object] = {"Payload": io.BytesIO(json.dumps(payload).encode())}
    if function_error:
        response["FunctionError"] = "Unhandled"
    return response


def test_an_import_error_in_the_new_code_is_its_first_line() -> None:
    raised = {"errorType": "Runtime.ImportModuleError", "errorMessage": "No module named 'nope'\nTraceback ..."}
    error = watch._first_error("worker", answer(raised, function_error=True), "b1")
    assert error == "Runtime.ImportModuleError: No module named 'nope'"


def test_the_api_counts_as_live_only_when_health_names_the_new_build() -> None:
    def health(build: str) -> dict[str, object]:
        return answer({"statusCode": 200, "body": json.dumps({"status": "ok", "build": build})})

    assert watch._first_error("api", health("new"), "new") is None
    stale = watch._first_error("api", health("old"), "new")
    assert stale is not None and "not build new" in stale
    assert watch._first_error("notifier", answer(None), "new") is None


def test_every_function_the_stack_names_has_a_warm_up_event() -> None:
    """`make watch` warms up each function in the stack's function_names output; one without an
    event would stop the watch at its first reload."""
    import re
    from pathlib import Path

    from devkit import watch

    outputs = (Path(__file__).parents[2] / "infrastructure" / "outputs.tf").read_text()
    block = outputs.split('output "function_names"', 1)[1].split("\n}\n", 1)[0]
    named = set(re.findall(r"^\s+(\w+)\s+=\s+module\.", block, re.MULTILINE))
    assert named == set(watch.WARM_UP_EVENTS), named


def test_after_a_reload_make_up_skips_only_where_nothing_else_changed_since_the_apply(tmp_path: Path) -> None:
    applied = tmp_path / "applied.sha256"
    applied.write_text("configuration\ncode-1 state-1\n")
    watch.keep_applied(applied, "configuration\ncode-2 state-2\n")  # the watch deployed and recorded a build
    assert applied.read_text() == "configuration\ncode-2 state-2\n"
    watch.keep_applied(applied, "configuration edited\ncode-3 state-3\n")  # a .tf file changed too: apply
    assert applied.read_text() == "configuration\ncode-2 state-2\n"
    missing = tmp_path / "never-applied.sha256"
    watch.keep_applied(missing, "configuration\ncode-2 state-2\n")
    assert not missing.exists()

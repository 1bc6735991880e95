"""How the docs' examples are found: the e2e test runs what this extracts."""

from __future__ import annotations

from tests.support.docs_examples import PAGES, blocks, script

PAGE = """# A page

```sh
echo one
```

<!-- norun: it deploys to AWS -->
```sh
make deploy ENV=aws
```

```json
{"not": "run"}
```

```python
print("two")
```
"""


def test_sh_and_python_blocks_are_found_in_page_order() -> None:
    found = blocks(PAGE)

    assert [(b.language, b.code) for b in found] == [("sh", "echo one\n"), ("python", 'print("two")\n')]
    assert [b.line for b in found] == [3, 16]


def test_a_block_marked_norun_is_left_out() -> None:
    assert "make deploy" not in script(PAGE, "python3")


def test_python_blocks_run_inside_the_pages_shell_with_the_given_interpreter() -> None:
    text = script(PAGE, "/venv/bin/python")

    assert text.index("echo one") < text.index("/venv/bin/python - <<'__PHOTOPIPE_DOCS_PY__'\nprint(\"two\")")


def test_the_readme_and_the_docs_have_runnable_examples() -> None:
    runnable = {page.name for page in PAGES if blocks(page.read_text())}

    assert {"README.md", "api.md", "webhooks.md"} <= runnable

"""A client generated from docs/openapi.json by openapi-python-client, as an app team would make
one, drives the stack: create, upload, get, list, and a typed error. Nothing here is ours but
the document: if an operation is misnamed or a schema is wrong, this is where it shows."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from devkit.client import wait_until
from devkit.stack import Stack
from photopipe.auth import tokens
from tests.support import images

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"
PACKAGE = "photopipe_sdk"


@pytest.fixture(scope="module")
def sdk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    out = tmp_path_factory.mktemp("generated")
    # The generator formats its output with ruff, which it looks for on PATH.
    env = {**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    generated = subprocess.run(  # noqa: S603 (the venv's generator on our own document)
        [GENERATOR, "generate", "--path", DOCUMENT, "--output-path", out / PACKAGE, "--meta", "none"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    output = generated.stdout + generated.stderr
    assert generated.returncode == 0, output
    assert "Warning" not in output, f"the generator skipped parts of the document:\n{output}"
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(out))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def test_a_generated_client_creates_uploads_gets_and_lists(sdk: ModuleType, stack: Stack, user_id: str) -> None:
    jobs = importlib.import_module(f"{PACKAGE}.api.jobs")
    for operation in ("create_job", "get_job", "list_jobs", "delete_job"):
        importlib.import_module(f"{jobs.__name__}.{operation}")
    models = importlib.import_module(f"{PACKAGE}.models")
    api = sdk.AuthenticatedClient(base_url=stack.api_base_url, token=tokens.issue(user_id, stack.auth_secret))
    photo = images.photo(900, 600)

    created = jobs.create_job.sync(
        client=api, body=models.CreateJobRequest(content_type="image/jpeg", content_length=len(photo))
    )
    assert isinstance(created, models.JobCreatedResponse), created
    upload = created.upload
    put = httpx.request(
        upload.method, upload.url, content=photo, headers=upload.headers.additional_properties, timeout=30
    )
    assert put.status_code == 200, put.text

    job = wait_until(
        lambda: jobs.get_job.sync(client=api, job_id=created.job_id),
        lambda j: isinstance(j, models.JobResponse) and j.status in ("COMPLETED", "FAILED"),
        60,
        f"job {created.job_id} finished, read through the generated client",
    )
    assert job.status == "COMPLETED", job.error
    assert {o.name for o in job.outputs} == {"thumbnail", "medium", "large"}
    # The analysis is typed field by field in the document, so the client has attributes for it.
    analysis = job.analysis
    assert isinstance(analysis, models.Analysis), analysis
    assert (analysis.width, analysis.height, analysis.source_format) == (900, 600, "image/jpeg")
    assert analysis.placeholder.thumbhash
    assert isinstance(analysis.moderation, list), "moderation is a typed list wherever a model provider ran"

    # The delivery URL is typed too, and a transform appended to it is a rendition.
    assert isinstance(job.delivery, models.DeliveryModel), job.delivery
    rendition = httpx.get(f"{job.delivery.url}/w_90,f_png", timeout=60)
    assert rendition.status_code == 200 and rendition.headers["content-type"] == "image/png", rendition.text[:200]

    page = jobs.list_jobs.sync(client=api, limit=10)
    assert isinstance(page, models.JobListResponse), page
    assert [j.job_id for j in page.jobs] == [created.job_id]
    assert page.jobs[0].delivery.url == job.delivery.url

    missing = jobs.get_job.sync(client=api, job_id="0" * 32)
    assert isinstance(missing, models.ErrorResponse), missing
    assert missing.error.code == "NOT_FOUND"

#!/usr/bin/env python3
"""A small photopipe client for people and scripts, through the public API only.

client.py token alice                 print a dev bearer token for user alice
client.py upload photo.jpg [--user alice] [--wait]
client.py get JOB_ID [--user alice]
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import requests

from devkit.stack import Stack
from photopipe.auth import tokens

T = TypeVar("T")
TERMINAL = {"COMPLETED", "FAILED"}
# One PUT's limit (max_upload_bytes): larger photos go up in parts.
SINGLE_PUT_BYTES = 50 * 1024 * 1024


class ApiError(RuntimeError):
    def __init__(self, response: requests.Response) -> None:
        super().__init__(f"{response.request.method} {response.url} -> {response.status_code}: {response.text[:500]}")
        self.response = response


def wait_until(
    probe: Callable[[], T], done: Callable[[T], bool], timeout: float, what: str, interval: float = 0.1
) -> T:
    """Polls probe() until done(result) or the deadline; the failure says what was last seen."""
    deadline = time.monotonic() + timeout
    while True:
        last = probe()
        if done(last):
            return last
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what}: not reached within {timeout:.0f}s; last seen: {str(last)[:2000]}")
        time.sleep(interval)


class PhotopipeClient:
    def __init__(self, base_url: str, token: str | None, timeout: float = 30, user_id: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self.user_id = user_id
        self.session = requests.Session()
        self.timeout = timeout
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    @classmethod
    def for_user(cls, stack: Stack, user_id: str) -> PhotopipeClient:
        return cls(stack.api_base_url, tokens.issue(user_id, stack.auth_secret), user_id=user_id)

    def request(self, method: str, path: str, expect: int | None = None, **kwargs: Any) -> requests.Response:
        response = self.session.request(method, f"{self.base_url}{path}", timeout=self.timeout, **kwargs)
        if expect is not None and response.status_code != expect:
            raise ApiError(response)
        return response

    def create_job(self, content_type: str, content_length: int, **extra: Any) -> dict[str, Any]:
        body = {"contentType": content_type, "contentLength": content_length, **extra}
        result: dict[str, Any] = self.request("POST", "/v1/jobs", 201, json=body).json()
        return result

    def upload(self, slot: dict[str, Any], data: bytes) -> requests.Response:
        return requests.request(slot["method"], slot["url"], data=data, headers=slot["headers"], timeout=self.timeout)

    def get_job(self, job_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", f"/v1/jobs/{job_id}", 200).json()
        return result

    def wait_for_job(
        self,
        job_id: str,
        timeout: float = 60,
        done: Callable[[dict[str, Any]], bool] = lambda job: job["status"] in TERMINAL,
        interval: float = 0.1,
    ) -> dict[str, Any]:
        return wait_until(lambda: self.get_job(job_id), done, timeout, f"job {job_id}", interval)

    def request_edit(
        self,
        job_id: str,
        edits: list[dict[str, Any]],
        variants: list[dict[str, Any]] | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        body: dict[str, Any] = {"edits": edits} if variants is None else {"edits": edits, "variants": variants}
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        answer = self.request("POST", f"/v1/jobs/{job_id}/edits", 202, json=body, headers=headers).json()
        return str(answer["editId"])

    def get_edit(self, job_id: str, edit_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request("GET", f"/v1/jobs/{job_id}/edits/{edit_id}", 200).json()
        return result

    def wait_for_edit(self, job_id: str, edit_id: str, timeout: float = 60) -> dict[str, Any]:
        return wait_until(
            lambda: self.get_edit(job_id, edit_id), lambda e: e["status"] in TERMINAL, timeout, f"edit {edit_id}"
        )

    def upload_parts(
        self, upload: dict[str, Any], data: bytes, parallel: int = 2, skip: frozenset[int] = frozenset()
    ) -> dict[int, str]:
        """PUTs each part of a multipart `upload` not in `skip`, `parallel` at once: {number: ETag}."""
        size = int(upload["partSize"])

        def put(part: dict[str, Any]) -> tuple[int, str]:
            number = int(part["number"])
            body = data[(number - 1) * size : number * size]
            response = requests.put(part["url"], data=body, headers=part["headers"], timeout=self.timeout * 4)
            if response.status_code != 200:
                raise ApiError(response)
            return number, response.headers["ETag"]

        todo = [part for part in upload["parts"] if int(part["number"]) not in skip]
        with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
            return dict(pool.map(put, todo))

    def complete_upload(self, job_id: str, etags: dict[int, str]) -> dict[str, Any]:
        parts = [{"number": number, "etag": etag} for number, etag in sorted(etags.items())]
        result: dict[str, Any] = self.request(
            "POST", f"/v1/jobs/{job_id}/upload/complete", 200, json={"parts": parts}
        ).json()
        return result

    def submit_in_parts(self, data: bytes, content_type: str, parallel: int = 2, **extra: Any) -> str:
        """An upload in parts (multipart: true), `parallel` parts at once, then its completion."""
        created = self.create_job(content_type, len(data), multipart=True, **extra)
        self.complete_upload(created["jobId"], self.upload_parts(created["upload"], data, parallel))
        return str(created["jobId"])

    def resume_upload(self, job_id: str, data: bytes, parallel: int = 2) -> int:
        """Sends the parts S3 does not hold yet (GET .../upload says which), then completes;
        returns how many parts were sent now."""
        upload = self.request("GET", f"/v1/jobs/{job_id}/upload", 200).json()
        held = {int(part["number"]): str(part["etag"]) for part in upload.get("received") or []}
        sent = self.upload_parts(upload, data, parallel, skip=frozenset(held))
        self.complete_upload(job_id, held | sent)
        return len(sent)

    def submit_photo(self, path: Path, parts: bool = False) -> str:
        """A photo file: in parts (two at once) when asked, or when it is past one PUT's limit."""
        data = path.read_bytes()
        if parts or len(data) > SINGLE_PUT_BYTES:
            return self.submit_in_parts(data, _content_type(path))
        return self.submit(data, _content_type(path))

    def submit(self, data: bytes, content_type: str, **extra: Any) -> str:
        created = self.create_job(content_type, len(data), **extra)
        response = self.upload(created["upload"], data)
        if response.status_code != 200:
            raise ApiError(response)
        return str(created["jobId"])


def _content_type(path: Path) -> str:
    guessed = mimetypes.guess_type(path.name)[0]
    if path.suffix.lower() in (".heic", ".heif"):
        return "image/heic"
    return guessed or "application/octet-stream"


IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".gif", ".tif", ".tiff"}


def photos_in(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        else:
            found.append(path)
    return found


def progress(done: int, total: int, label: str) -> None:
    width = 30
    filled = width * done // max(total, 1)
    print(f"\r{label:<10} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end="", file=sys.stderr)
    if done == total:
        print(file=sys.stderr)


def upload_many(
    client: PhotopipeClient, paths: list[Path], wait: bool, download: Path | None, parts: bool = False
) -> int:
    jobs: dict[str, Path] = {}
    for index, path in enumerate(paths, 1):
        jobs[client.submit_photo(path, parts)] = path
        progress(index, len(paths), "uploaded")
    if not wait and download is None:
        for job_id, path in jobs.items():
            print(f"{job_id}  {path}")
        return 0
    finished: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + 60 + 5 * len(jobs)
    while len(finished) < len(jobs) and time.monotonic() < deadline:
        for job_id in jobs.keys() - finished.keys():
            job = client.get_job(job_id)
            if job["status"] in TERMINAL:
                finished[job_id] = job
        progress(len(finished), len(jobs), "processed")
        time.sleep(0.2)
    failures = 0
    for job_id, path in jobs.items():
        job = finished.get(job_id)
        if job is None:
            print(f"{job_id}  {path}  still running", file=sys.stderr)
            failures += 1
            continue
        if job["status"] == "FAILED":
            failures += 1
            print(f"{job_id}  {path}  FAILED {job['error']['code']}: {job['error']['message']}")
            continue
        analysis = job.get("analysis") or {}
        sizes = ", ".join(f"{o['name']} {o['width']}x{o['height']}" for o in job["outputs"])
        print(f"{job_id}  {path}  COMPLETED  {sizes}  colours {analysis.get('dominantColors', [])[:3]}")
        print(f"    delivery: {job['delivery']['url']}/{{transform}}")
        if download is not None:
            target = download / path.stem
            target.mkdir(parents=True, exist_ok=True)
            for output in job["outputs"]:
                extension = output["contentType"].split("/")[-1].replace("jpeg", "jpg")
                response = requests.get(output["url"], timeout=60)
                response.raise_for_status()
                (target / f"{output['name']}.{extension}").write_bytes(response.content)
    return 1 if failures else 0


def edit_and_wait(client: PhotopipeClient, job_id: str, ops: list[str]) -> int:
    """Prints the edit as JSON once it ends: its outputs and delivery URL."""
    edits = [json.loads(op) if op.startswith("{") else {"op": op} for op in ops]
    try:
        edit_id = client.request_edit(job_id, edits)
    except ApiError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"edit {edit_id} of job {job_id}: PROCESSING", file=sys.stderr)
    edit = client.wait_for_edit(job_id, edit_id, timeout=180)
    print(json.dumps(edit, indent=2))
    return 0 if edit["status"] == "COMPLETED" else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="photopipe client: everything through the public API")
    sub = parser.add_subparsers(dest="command", required=True)
    token = sub.add_parser("token", help="print a dev bearer token")
    token.add_argument("user")
    token.add_argument("--ttl", type=int, default=3600)
    upload = sub.add_parser("upload", help="upload photos (files or folders), optionally wait and download")
    upload.add_argument("paths", type=Path, nargs="+")
    upload.add_argument("--user", default="demo")
    upload.add_argument("--wait", action="store_true", help="wait for every job and show its outcome")
    upload.add_argument("--download", type=Path, help="save each job's outputs under DIR/<photo name>/")
    upload.add_argument("--parts", action="store_true", help="upload in parts (multipart), two at once")
    resume = sub.add_parser("resume", help="finish an upload in parts: send what S3 lacks, then complete")
    resume.add_argument("job_id")
    resume.add_argument("path", type=Path)
    resume.add_argument("--user", default="demo")
    get = sub.add_parser("get", help="show a job as JSON")
    get.add_argument("job_id")
    get.add_argument("--user", default="demo")
    url = sub.add_parser("url", help="print a finished job's delivery URL, with a transform (e.g. w_400,f_auto)")
    url.add_argument("job_id")
    url.add_argument("transform", nargs="?", default="")
    url.add_argument("--user", default="demo")
    edit = sub.add_parser(
        "edit", help="ask an edit of a finished job and wait for it (e.g. removeBackground, redactFaces)"
    )
    edit.add_argument("job_id")
    edit.add_argument("ops", nargs="+", help='op names, or JSON edits like \'{"op":"blurBackground","radius":20}\'')
    edit.add_argument("--user", default="demo")
    args = parser.parse_args(argv)

    stack = Stack.load()
    if args.command == "token":
        print(tokens.issue(args.user, stack.auth_secret, ttl_seconds=args.ttl))
        return 0
    client = PhotopipeClient.for_user(stack, args.user)
    if args.command == "upload":
        return upload_many(client, photos_in(args.paths), args.wait, args.download, args.parts)
    if args.command == "resume":
        sent = client.resume_upload(args.job_id, args.path.read_bytes())
        print(f"{args.job_id}: {sent} parts sent, upload completed", file=sys.stderr)
        return 0
    if args.command == "edit":
        return edit_and_wait(client, args.job_id, args.ops)
    job = client.get_job(args.job_id)
    if args.command == "url":
        if not job.get("delivery"):
            print(f"job {args.job_id} is {job['status']}: only a COMPLETED job has a delivery URL", file=sys.stderr)
            return 1
        print("/".join(filter(None, [job["delivery"]["url"], args.transform])))
        return 0
    print(json.dumps(job, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

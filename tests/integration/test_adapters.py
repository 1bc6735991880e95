"""The DynamoDB and S3 adapters against the emulator's real tables and buckets."""

from __future__ import annotations

import concurrent.futures
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests

from devkit.stack import Stack
from photopipe.adapters.dynamodb_deliveries import DynamoDeliveryLedger
from photopipe.adapters.dynamodb_devices import DynamoDeviceRepository
from photopipe.adapters.dynamodb_jobs import DynamoJobRepository
from photopipe.adapters.dynamodb_limits import DynamoLimiter
from photopipe.adapters.s3_store import S3ObjectStore
from photopipe.errors import PhotopipeError
from photopipe.jobs.model import Job, JobError, JobStatus, Output
from photopipe.jobs.ports import TransitionRejected
from photopipe.notify.model import Claim, Delivery, DeliveryStatus, Device, DeviceLimitReached, Platform


@pytest.fixture
def jobs(stack: Stack) -> DynamoJobRepository:
    return DynamoJobRepository(stack.client("dynamodb"), stack["jobs_table_name"])


def new_job(user_id: str, created_at: str = "2026-01-01T00:00:00.000Z") -> Job:
    return Job(
        uuid.uuid4().hex,
        user_id,
        JobStatus.PENDING_UPLOAD,
        "image/jpeg",
        10,
        created_at,
        created_at,
        status_history=[{"status": "PENDING_UPLOAD", "at": created_at}],
    )


def test_status_moves_only_forward_through_conditional_writes(jobs: DynamoJobRepository, user_id: str) -> None:
    job = new_job(user_id)
    jobs.create(job, 2_000_000_000)
    with pytest.raises(TransitionRejected):
        jobs.claim(job.job_id, "someone-else", "token-a", "t1")  # the key's user must own the job
    with pytest.raises(TransitionRejected):
        jobs.claim("no-such-job", user_id, "token-a", "t1")
    claimed = jobs.claim(job.job_id, user_id, "token-a", "t1")
    assert (claimed.status, claimed.attempts) == (JobStatus.PROCESSING, 1)
    with pytest.raises(TransitionRejected):
        jobs.claim(job.job_id, user_id, "token-b", "t2")
    with pytest.raises(TransitionRejected):
        jobs.resume(job.job_id, "token-b", "t2")
    assert jobs.resume(job.job_id, "token-a", "t3").attempts == 2  # the holder's redelivery
    with pytest.raises(TransitionRejected):
        jobs.finish(job.job_id, "token-b", JobStatus.COMPLETED, "t4", [], None, None, 1)
    output = Output("thumbnail", "results/x/y/thumbnail.jpg", 10, 5, "image/jpeg", 99)
    done = jobs.finish(job.job_id, "token-a", JobStatus.COMPLETED, "t5", [output], {"score": 0.5}, None, 12)
    assert (done.status, done.outputs, done.analysis, done.event_pending) == (
        JobStatus.COMPLETED,
        [output],
        {"score": 0.5},
        True,
    )
    with pytest.raises(TransitionRejected):
        jobs.fail_unclaimed(job.job_id, "t6", JobError("PROCESSING_ABANDONED", "late"), held_by="token-a")
    jobs.mark_event_published(job.job_id)
    stored = jobs.get(job.job_id)
    assert stored is not None and not stored.event_pending
    assert [h["status"] for h in stored.status_history] == ["PENDING_UPLOAD", "PROCESSING", "COMPLETED"]


def test_processing_jobs_are_found_by_last_update_and_failed_only_if_still_untouched(
    jobs: DynamoJobRepository, user_id: str
) -> None:
    stalled, resumed, finished, fresh = (new_job(user_id) for _ in range(4))
    for job in (stalled, resumed, finished, fresh):
        jobs.create(job, 2_000_000_000)
        jobs.claim(job.job_id, user_id, "token", "2020-01-01T00:00:00.000Z")
    jobs.resume(fresh.job_id, "token", "2999-01-01T00:00:00.000Z")  # resumed long after the cutoff
    jobs.finish(finished.job_id, "token", JobStatus.COMPLETED, "2020-01-01T00:00:01.000Z", [], None, None, 1)
    cutoff = "2021-01-01T00:00:00.000Z"

    found = set(jobs.stalled(cutoff, 1000)) & {j.job_id for j in (stalled, resumed, finished, fresh)}

    assert found == {stalled.job_id, resumed.job_id}
    abandoned = JobError("PROCESSING_ABANDONED", "x")
    jobs.resume(resumed.job_id, "token", "2999-01-01T00:00:00.000Z")  # a delivery resumes it meanwhile
    with pytest.raises(TransitionRejected):
        jobs.fail_unclaimed(resumed.job_id, "2999-01-01T00:00:01.000Z", abandoned, updated_before=cutoff)
    failed = jobs.fail_unclaimed(stalled.job_id, "2026-01-01T00:00:00.000Z", abandoned, updated_before=cutoff)
    assert failed.status is JobStatus.FAILED
    assert stalled.job_id not in jobs.stalled(cutoff, 1000)


def test_only_the_holder_abandons_a_processing_job(jobs: DynamoJobRepository, user_id: str) -> None:
    held, waiting = new_job(user_id), new_job(user_id)
    for job in (held, waiting):
        jobs.create(job, 2_000_000_000)
    jobs.claim(held.job_id, user_id, "token-a", "2026-01-01T00:00:01.000Z")
    abandoned = JobError("PROCESSING_ABANDONED", "x")
    with pytest.raises(TransitionRejected):
        jobs.fail_unclaimed(held.job_id, "2026-01-01T00:00:02.000Z", abandoned, held_by="token-b")
    assert jobs.fail_unclaimed(held.job_id, "2026-01-01T00:00:03.000Z", abandoned, held_by="token-a").status is (
        JobStatus.FAILED
    )
    # A job still waiting for its upload is nobody's: any delivery out of retries may fail it.
    assert jobs.fail_unclaimed(waiting.job_id, "2026-01-01T00:00:04.000Z", abandoned, held_by="token-b").status is (
        JobStatus.FAILED
    )


def test_finished_jobs_with_a_pending_event_are_found_until_it_is_published(
    jobs: DynamoJobRepository, user_id: str
) -> None:
    done, failed, published, recent = (new_job(user_id) for _ in range(4))
    for job in (done, failed, published, recent):
        jobs.create(job, 2_000_000_000)
        jobs.claim(job.job_id, user_id, "token", "2020-01-01T00:00:00.000Z")
    for job in (done, published):
        jobs.finish(job.job_id, "token", JobStatus.COMPLETED, "2020-01-01T00:00:01.000Z", [], None, None, 1)
    jobs.fail_unclaimed(
        failed.job_id, "2020-01-01T00:00:02.000Z", JobError("PROCESSING_ABANDONED", "x"), held_by="token"
    )
    jobs.finish(recent.job_id, "token", JobStatus.COMPLETED, "2999-01-01T00:00:00.000Z", [], None, None, 1)
    jobs.mark_event_published(published.job_id)
    mine = {j.job_id for j in (done, failed, published, recent)}

    assert set(jobs.pending_events("2021-01-01T00:00:00.000Z", 1000)) & mine == {done.job_id, failed.job_id}
    assert not set(jobs.stalled("2021-01-01T00:00:00.000Z", 1000)) & mine  # none is in flight
    jobs.mark_event_published(done.job_id)
    assert set(jobs.pending_events("2021-01-01T00:00:00.000Z", 1000)) & mine == {failed.job_id}


def test_concurrent_claims_of_one_job_let_exactly_one_through(stack: Stack, user_id: str) -> None:
    # Exactly-once processing rests on DynamoDB's atomic conditional writes: of racing
    # deliveries (duplicate S3 events in one batch, say) only one may move the job.
    jobs = [new_job(user_id) for _ in range(10)]
    repository = DynamoJobRepository(stack.client("dynamodb"), stack["jobs_table_name"])
    for job in jobs:
        repository.create(job, 2_000_000_000)

    def claim(job_id: str, token: str) -> bool:
        try:
            repository.claim(job_id, user_id, token, "t")
        except TransitionRejected:
            return False
        return True

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        for job in jobs:
            winners = sum(pool.map(claim, [job.job_id] * 8, [f"m-{i}" for i in range(8)]))
            history = [h["status"] for h in repository.get(job.job_id).status_history]  # type: ignore[union-attr]
            assert (winners, history) == (1, ["PENDING_UPLOAD", "PROCESSING"]), job.job_id


def test_a_job_holds_its_edits_up_to_a_cap_and_an_edit_is_claimed_once(jobs: DynamoJobRepository, user_id: str) -> None:
    job = new_job(user_id)
    jobs.create(job, 2_000_000_000)
    with pytest.raises(TransitionRejected):
        jobs.add_edit(job.job_id, "e1", 2)  # not COMPLETED yet
    jobs.claim(job.job_id, user_id, "token-a", "t1")
    jobs.finish(job.job_id, "token-a", JobStatus.COMPLETED, "t2", [], None, None, 1)
    # Racing adds never pass the cap: the string set's size is the count the condition reads.
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(lambda n: _added(jobs, job.job_id, f"e{n}", 3), range(6)))
    assert outcomes.count(True) == 3 and len(jobs.get(job.job_id).edit_ids) == 3  # type: ignore[union-attr]
    kept = jobs.get(job.job_id).edit_ids  # type: ignore[union-attr]
    jobs.remove_edit(job.job_id, kept[0])
    assert jobs.add_edit(job.job_id, "e9", 3).edit_ids == tuple(sorted([*kept[1:], "e9"]))
    edit = Job(f"{job.job_id}~e9", user_id, JobStatus.PROCESSING, "image/jpeg", 10, "t3", "t3", edit_of=job.job_id)
    jobs.create(edit, 2_000_000_000)
    assert [j.job_id for j in jobs.list_for_user(user_id, 10, None).jobs] == [job.job_id]  # edits are not listed
    assert jobs.claim_edit(edit.job_id, "msg-1", "t4").claim_token == "msg-1"
    with pytest.raises(TransitionRejected):
        jobs.claim_edit(edit.job_id, "msg-2", "t5")  # a duplicate delivery
    with pytest.raises(TransitionRejected):
        jobs.claim_edit(job.job_id, "msg-3", "t5")  # a job is never claimed as an edit
    found = jobs.get_many([edit.job_id, job.job_id, "no-such-record"])
    assert sorted(j.job_id for j in found) == sorted([edit.job_id, job.job_id])
    assert next(j for j in found if j.edit_of).user_id == user_id


def test_a_job_being_deleted_moves_no_more(jobs: DynamoJobRepository, user_id: str) -> None:
    job = new_job(user_id)
    jobs.create(job, 2_000_000_000)
    jobs.mark_deleting(job.job_id)
    with pytest.raises(TransitionRejected):
        jobs.claim(job.job_id, user_id, "token-a", "t1")
    assert jobs.get(job.job_id).deleting  # type: ignore[union-attr]
    jobs.delete(job.job_id)
    jobs.mark_deleting(job.job_id)  # gone already: nothing to mark, no error


def test_a_waiting_job_is_requeued_once(jobs: DynamoJobRepository, user_id: str) -> None:
    job = new_job(user_id)
    jobs.create(job, 2_000_000_000)
    requeued = jobs.mark_requeued(job.job_id, "2026-01-01T01:00:00.000Z")
    assert (requeued.requeued_at, requeued.updated_at) == ("2026-01-01T01:00:00.000Z",) * 2
    with pytest.raises(TransitionRejected):
        jobs.mark_requeued(job.job_id, "2026-01-01T02:00:00.000Z")


def _added(jobs: DynamoJobRepository, job_id: str, edit_id: str, cap: int) -> bool:
    try:
        jobs.add_edit(job_id, edit_id, cap)
    except TransitionRejected:
        return False
    return True


def test_listing_pages_newest_first_with_an_opaque_cursor(jobs: DynamoJobRepository, user_id: str) -> None:
    created = [new_job(user_id, f"2026-01-0{day}T00:00:00.000Z") for day in range(1, 6)]
    for job in created:
        jobs.create(job, 2_000_000_000)
    seen, cursor = [], None
    while True:
        page = jobs.list_for_user(user_id, 2, cursor)
        seen += [j.job_id for j in page.jobs]
        if not page.cursor:
            break
        cursor = page.cursor
    assert seen == [j.job_id for j in reversed(created)]
    with pytest.raises(PhotopipeError):
        jobs.list_for_user("someone-else", 2, jobs.list_for_user(user_id, 2, None).cursor)


def test_presigned_put_is_enforced_by_s3(stack: Stack, user_id: str) -> None:
    store = S3ObjectStore(stack.client("s3"), stack["uploads_bucket_name"], stack["results_bucket_name"])
    key = f"integration/{user_id}/original"  # outside incoming/: the worker is not triggered
    url = store.presign_upload(key, "image/png", 5, 60)
    signed = {"Content-Type": "image/png", "If-None-Match": "*"}
    assert (
        requests.put(url, data=b"12345", headers={**signed, "Content-Type": "image/jpeg"}, timeout=10).status_code
        == 403
    )
    assert requests.put(url, data=b"1234567", headers=signed, timeout=10).status_code in (400, 403)
    assert requests.put(url, data=b"12345", headers={"Content-Type": "image/png"}, timeout=10).status_code == 403
    assert requests.put(url, data=b"12345", headers=signed, timeout=10).status_code == 200
    assert requests.put(url, data=b"12345", headers=signed, timeout=10).status_code == 412  # single-use


def test_the_sweeper_expires_only_renders_older_than_the_cutoff(stack: Stack, user_id: str) -> None:
    store = S3ObjectStore(stack.client("s3"), stack["uploads_bucket_name"], stack["results_bucket_name"])
    prefix = f"renders/{user_id}-job/"
    for name in ("a", "b", "c"):
        store.put_render(prefix + name, b"x", "image/jpeg")
    assert store.expire_renders(datetime.now(UTC) - timedelta(hours=1), 100, prefix) == 0
    assert store.expire_renders(datetime.now(UTC) + timedelta(hours=1), 2, prefix) == 2, "bounded per call"
    assert store.expire_renders(datetime.now(UTC) + timedelta(hours=1), 100, prefix) == 1
    left = stack.client("s3").list_objects_v2(Bucket=stack["results_bucket_name"], Prefix=prefix)
    assert left.get("KeyCount", 0) == 0


def test_limits_count_within_a_window_and_a_lease_has_one_holder(stack: Stack, user_id: str) -> None:
    limiter = DynamoLimiter(stack.client("dynamodb"), stack["limits_table_name"])
    now = 1_800_000_000  # a minute boundary
    assert [limiter.take(f"test#{user_id}", 2, 60, now + 5) for _ in range(3)] == [0, 0, 55]
    assert limiter.take(f"test#{user_id}", 2, 60, now + 60) == 0, "a new window counts afresh"
    assert limiter.lease(f"lease-test#{user_id}", 10, now) and not limiter.lease(f"lease-test#{user_id}", 10, now + 1)
    assert limiter.lease(f"lease-test#{user_id}", 10, now + 11), "an expired lease is taken over"
    limiter.release(f"lease-test#{user_id}")
    assert limiter.lease(f"lease-test#{user_id}", 10, now + 12), "a released lease is free"


def test_racing_holds_stop_at_the_limit_and_let_go_gives_places_back(stack: Stack, user_id: str) -> None:
    limiter = DynamoLimiter(stack.client("dynamodb"), stack["limits_table_name"])
    key = f"in-flight-test#{user_id}"
    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
        held = list(pool.map(lambda n: limiter.hold(key, f"1800000000:job{n:03d}", 7), range(30)))
    holders = limiter.holders(key)
    assert held.count(True) == 7 and len(holders) == 7, (held, holders)
    limiter.let_go(key, set(sorted(holders)[:2]) | {"1800000000:never-held"})  # an absent one is no error
    assert len(limiter.holders(key)) == 5
    assert limiter.hold(key, "1800000000:job100", 7) and limiter.hold(key, "1800000000:job101", 7)
    assert not limiter.hold(key, "1800000000:job102", 7)
    assert limiter.holders(f"in-flight-test#{user_id}-nobody") == set()


def test_racing_registrations_never_pass_the_device_cap_and_deletes_give_places_back(
    stack: Stack, user_id: str
) -> None:
    devices = DynamoDeviceRepository(stack.client("dynamodb"), stack["devices_table_name"])
    stamp = "2026-01-01T00:00:00.000Z"

    def register(n: int) -> str:
        try:
            devices.register(Device(user_id, f"dev_{n:024x}", Platform.IOS, f"token-{n:09d}", stamp), 5)
            return "stored"
        except DeviceLimitReached:
            return "refused"

    with concurrent.futures.ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(register, range(30)))
    assert outcomes.count("stored") == 5 and len(devices.list_for_user(user_id)) == 5, outcomes
    stored = devices.list_for_user(user_id)
    assert devices.register(stored[0], 5) == stored[0], "registering a stored device again is no new device"
    assert devices.delete(user_id, stored[0].device_id)
    assert register(99) == "stored" and register(98) == "refused"


def test_device_registration_is_idempotent_and_the_ledger_claims_once(stack: Stack, user_id: str) -> None:
    devices = DynamoDeviceRepository(stack.client("dynamodb"), stack["devices_table_name"])
    ledger = DynamoDeliveryLedger(stack.client("dynamodb"), stack["deliveries_table_name"], 1)
    device = Device(user_id, "dev_1", Platform.IOS, "token-123456789", "2026-01-01T00:00:00.000Z")
    assert devices.register(device, 20) == device
    assert devices.register(Device(user_id, "dev_1", Platform.IOS, "token-123456789", "later"), 20) == device
    devices.disable(user_id, "dev_1", "2026-01-01T00:00:01.000Z failed: a send no retry fixes")
    assert [d.active for d in devices.list_for_user(user_id)] == [False]
    assert devices.register(device, 20).active and [d.active for d in devices.list_for_user(user_id)] == [True]
    devices.disable(user_id, "dev_unregistered", "x")  # gone already: no error, nothing written
    assert [d.device_id for d in devices.list_for_user(user_id)] == ["dev_1"]
    job_id = uuid.uuid4().hex
    now = "2026-01-01T00:00:00.000Z"
    assert ledger.claim(job_id, device, now, 60) is Claim.GRANTED
    assert ledger.claim(job_id, device, now, 60) is Claim.BUSY  # lease held
    assert ledger.claim(job_id, device, "2026-01-01T00:05:00.000Z", 60) is Claim.GRANTED  # lease ran out
    ledger.release(job_id, device.device_id, "HTTP 500")
    assert ledger.claim(job_id, device, now, 60) is Claim.GRANTED  # released: may try again
    ledger.complete(Delivery(job_id, device.device_id, "ios", DeliveryStatus.DELIVERED, True, now))
    assert ledger.claim(job_id, device, "2027-01-01T00:00:00.000Z", 60) is Claim.DONE  # delivered is final
    assert [d.status for d in ledger.list_for_job(job_id)] == [DeliveryStatus.DELIVERED]
    assert devices.delete(user_id, "dev_1") and not devices.delete(user_id, "dev_1")

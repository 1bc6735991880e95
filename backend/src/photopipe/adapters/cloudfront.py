"""Invalidations of a deleted job's delivery paths in the CloudFront distribution in front."""

from __future__ import annotations

from typing import Any


class CloudFrontInvalidator:
    def __init__(self, cloudfront: Any, distribution_id: str) -> None:
        self._cloudfront = cloudfront
        self._distribution_id = distribution_id

    def invalidate_job(self, job_id: str) -> None:
        """`job_id`: a job's (its URLs and its edits' start /{jobId}) or one edit's record id."""
        # One wildcard path: every URL of the job starts /{jobId}/, of its edits /{jobId}~ (the
        # ids have a fixed length, so no other job's URLs share the prefix).
        self._cloudfront.create_invalidation(
            DistributionId=self._distribution_id,
            InvalidationBatch={"Paths": {"Quantity": 1, "Items": [f"/{job_id}*"]}, "CallerReference": job_id},
        )

"""Invalidations of a deleted job's delivery paths in the CloudFront distribution in front."""

from __future__ import annotations

from typing import Any


class CloudFrontInvalidator:
    def __init__(self, cloudfront: Any, distribution_id: str) -> None:
        self._cloudfront = cloudfront
        self._distribution_id = distribution_id

    def invalidate_job(self, job_id: str) -> None:
        # One wildcard path per job: every URL of the job starts /{jobId}/ (delivery/signing.py).
        self._cloudfront.create_invalidation(
            DistributionId=self._distribution_id,
            InvalidationBatch={"Paths": {"Quantity": 1, "Items": [f"/{job_id}/*"]}, "CallerReference": job_id},
        )

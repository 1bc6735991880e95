"""The delivery function: a Lambda Function URL (behind CloudFront on AWS) that serves
renditions of finished jobs' images. Payload format 2.0 in, a base64 body out."""

from __future__ import annotations

import base64
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from photopipe import wiring
from photopipe.delivery.service import DeliveryRequest
from photopipe.handlers.logs import function_logger

logger = function_logger()


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    http = event.get("requestContext", {}).get("http", {})
    request = DeliveryRequest(
        method=str(http.get("method", "GET")).upper(),
        path=str(event.get("rawPath", "/")),
        headers={str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()},
    )
    answer = wiring.delivery_service().handle(request)
    # One line per request (handlers/logs.py says why); the path minus its signature.
    logger.info("delivery", extra={"status": answer.status, "method": request.method, "job": request.path[1:33]})
    return {
        "statusCode": answer.status,
        "headers": answer.headers,
        "body": base64.b64encode(answer.body).decode(),
        "isBase64Encoded": True,
    }

"""Entry points LocalStack looks up: LAMBDA_RUNTIME_EXECUTOR=host-process and
PROVIDER_OVERRIDE_DYNAMODB=moto. Imports stay inside the functions, as in LocalStack's own
plugins, so listing plugins stays cheap."""

import threading
from typing import Any

from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin
from localstack.services.plugins import Service, aws_provider


class HostProcessExecutorPlugin(RuntimeExecutorPlugin):
    name = "host-process"

    def load(self, *args, **kwargs):
        from localstack_offline.executor import HostProcessRuntimeExecutor

        return HostProcessRuntimeExecutor


@aws_provider(api="dynamodb", name="moto")
def dynamodb_moto() -> Service:
    # Every DynamoDB operation falls through to moto's in-process backend, the way LocalStack
    # serves several other services; the stock provider proxies DynamoDB Local instead.
    from localstack.aws.api.dynamodb import DynamodbApi
    from localstack.services.moto import MotoFallbackDispatcher

    class DynamoDBMotoProvider(DynamodbApi):
        pass

    return Service.for_provider(
        DynamoDBMotoProvider(), dispatch_table_factory=lambda provider: _one_at_a_time(MotoFallbackDispatcher(provider))
    )


def _one_at_a_time(table: dict[str, Any]) -> dict[str, Any]:
    """The dispatch table with every operation behind one lock.

    moto checks a condition and then writes without a lock, so two concurrent conditional
    writes could both succeed; on DynamoDB they are atomic, and photopipe's exactly-once
    processing rests on that (found by `make chaos N=500`: one job claimed twice).
    """
    lock = threading.Lock()

    def serialized(handler: Any) -> Any:
        def call(context: Any, request: Any) -> Any:
            with lock:
                return handler(context, request)

        return call

    return {operation: serialized(handler) for operation, handler in table.items()}

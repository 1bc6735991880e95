"""Entry points LocalStack looks up: LAMBDA_RUNTIME_EXECUTOR=host-process and
PROVIDER_OVERRIDE_DYNAMODB=moto. Imports stay inside the functions, as in LocalStack's own
plugins, so listing plugins stays cheap."""

import threading
from typing import Any

from localstack.runtime import hooks
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


@hooks.on_infra_start()
def function_url_path_form() -> None:
    """Function URLs at `/_aws/lambda-url/{urlId}/{path}` as well as on their own host.

    LocalStack serves a function URL only on `{urlId}.lambda-url.{region}.{host}`, a name that
    needs wildcard DNS, which machines without LocalStack's public domain lack. MiniStack answers
    this path form too (and execute-api has one in both): photopipe's delivery URLs use it on an
    emulator. The request goes to LocalStack's own function-URL handler with the prefix removed.
    """
    from localstack.services.edge import ROUTER

    ROUTER.add("/_aws/lambda-url/<url_id>/", endpoint=_function_url_by_path, defaults={"path": ""})
    ROUTER.add("/_aws/lambda-url/<url_id>/<path:path>", endpoint=_function_url_by_path)


def _function_url_by_path(request: Any, url_id: str, path: str) -> Any:
    from localstack.http import Request
    from localstack.services.lambda_.invocation.models import lambda_stores
    from localstack.services.plugins import SERVICE_PLUGINS
    from rolo.request import restore_payload

    # The running Lambda provider holds the function-URL router (Service keeps it as _provider).
    provider = SERVICE_PLUGINS.require("lambda")._provider
    region = next(
        (
            region
            for account in lambda_stores.values()
            for region, store in account.items()
            for fn in store.functions.values()
            for config in fn.function_url_configs.values()
            if config.url_id.lower() == url_id.lower()
        ),
        "us-east-1",
    )
    inner = Request(
        method=request.method,
        path="/" + path,
        headers=request.headers,
        body=restore_payload(request),
        query_string=request.query_string,
        remote_addr=request.remote_addr,
        raw_path="/" + path,
    )
    return provider.router.handle_lambda_url_invocation(inner, api_id=url_id, region=region)

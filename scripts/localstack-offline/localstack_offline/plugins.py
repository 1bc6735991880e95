"""Entry points LocalStack looks up: LAMBDA_RUNTIME_EXECUTOR=host-process and
PROVIDER_OVERRIDE_DYNAMODB=moto. Imports stay inside the functions, as in LocalStack's own
plugins, so listing plugins stays cheap."""

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

    return Service.for_provider(DynamoDBMotoProvider(), dispatch_table_factory=MotoFallbackDispatcher)

"""LocalStack plugins for running it offline on the host: a host-process Lambda executor and a
moto-backed DynamoDB provider."""

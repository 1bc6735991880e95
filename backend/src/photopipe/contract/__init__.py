"""The v1 HTTP contract: request and response models shared by the API, tests and OpenAPI."""

"""photopipe's dev kit: what `make`, the tests and a developer use around the stack.

stack (outputs and clients of a deployed stack), client (the client CLI and the tests' client),
webhook_receiver, build_lambdas, watch, demo, console, redrive, openapi, lock_deps,
bootstrap_state, testcontainers_stack. Installed into the dev venv (`pip install -e scripts`),
so tests and `make` import it as `devkit`; run each tool as `python -m devkit.<tool>`.
"""

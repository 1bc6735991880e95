"""The one Powertools Logger set-up of every function: JSON lines on stderr.

stderr, not Powertools' default stdout: MiniStack's local runtime, after each invocation, waits up
to 50 ms for a first stderr line when the function printed none (its `_drain_stderr_bounded`),
so a function that logs on stdout, or not at all, pays 50 ms a call there. Lambda sends both
streams to CloudWatch, so on AWS nothing changes. Every handler therefore logs one line per
invocation at least: the api its access line, the worker and notifier a line per record, the
sweeper a summary.
"""

from __future__ import annotations

import sys

from aws_lambda_powertools import Logger


def function_logger() -> Logger:
    return Logger(stream=sys.stderr)

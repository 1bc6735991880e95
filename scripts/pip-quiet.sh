#!/usr/bin/env bash
# Runs a command that runs pip, without pip's notes about index folders this machine's pip
# configuration names but lacks ("... is ignored: it is neither a file nor a directory"), and
# with the command's own exit status. The one place that noise is filtered.
set -uo pipefail
"$@" 2>&1 | { grep -v 'is ignored: it is neither' || true; }
exit "${PIPESTATUS[0]}"

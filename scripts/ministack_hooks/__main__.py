"""`python -m ministack_hooks` (scripts/emulator.sh): MiniStack's own main, the hooks installed
first."""

from ministack_hooks import install

install()

from ministack.app import main  # noqa: E402 - after the hooks, as they replace its names

main()

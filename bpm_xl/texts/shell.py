"""The command line's and the console's words, in Chinese and English."""

from __future__ import annotations

__all__ = ["SHELL"]

SHELL: dict[str, tuple[str, str]] = {
}

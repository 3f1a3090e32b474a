"""etlq's Robot Framework keyword library: ``Library    harness.robot_library.EtlqLibrary``."""

from harness.robot_library.library import EtlqLibrary

__all__ = ["EtlqLibrary"]

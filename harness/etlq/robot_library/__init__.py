"""etlq's Robot Framework keyword library: ``Library    etlq.robot_library.EtlqLibrary``."""

from etlq.robot_library.library import EtlqLibrary

__all__ = ["EtlqLibrary"]

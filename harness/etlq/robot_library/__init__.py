"""etlq's Robot Framework keyword library: ``Library    etlq.robot_library.EtlqLibrary``.
Needs the ``robot`` extra (robotframework, allure-robotframework)."""

from etlq.extras import require_extra

require_extra("robot", "robot", "the Robot Framework library")

from etlq.robot_library.library import EtlqLibrary

__all__ = ["EtlqLibrary"]

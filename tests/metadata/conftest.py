"""Lets the tests in this folder import the shared photo helpers in ``photos.py`` and the crafted
photos of ``fixtures/hostile/hostile_photos.py``."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "fixtures" / "hostile"))

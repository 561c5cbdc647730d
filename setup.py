"""Build step that pyproject.toml cannot say: ship ``templates/`` and ``resources/`` in the wheel.

They sit beside the packages in a checkout (the project's fixed layout), so a plain
``pip install .`` would leave the gallery and the starter project behind. ``build_py`` copies
them into ``studio/_bundled/``, where ``studio.common.paths`` finds them in an installed copy.
Everything else is declared in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# What the app reads at run time; the template builders are source, not data.
BUNDLED = {"templates": ("*.json",), "resources": ("**/*",)}


class BuildPyWithBundledFiles(build_py):
    def run(self) -> None:
        super().run()
        for folder, patterns in BUNDLED.items():
            target = Path(self.build_lib) / "studio" / "_bundled" / folder
            for pattern in patterns:
                for source in (ROOT / folder).glob(pattern):
                    if source.is_file() and "__pycache__" not in source.parts:
                        dest = target / source.relative_to(ROOT / folder)
                        dest.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(source, dest)


setup(cmdclass={"build_py": BuildPyWithBundledFiles})

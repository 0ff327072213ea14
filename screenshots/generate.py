"""Regenerate the README's pictures: ``python screenshots/generate.py [SCENE...]`` from the repository.

Each picture is a scene of tests/scenes.py (the same scenes the snapshot tests check),
played against the demo PBX with a frozen clock, so pictures change only when screens do.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from tests.scenes import SCENES, SIZE, shown_port, stage  # noqa: E402


async def shoot(scene, folder: Path) -> Path:
    with stage(scene, folder) as (app, pbx):
        async with app.run_test(size=SIZE) as pilot:
            await scene.play(pilot, pbx)
            path = HERE / f"{scene.name}.svg"
            path.write_text(shown_port(app.export_screenshot(), pbx.port), encoding="utf-8")
    return path


def main() -> None:
    wanted = set(sys.argv[1:])  # scene names: only these pictures (default: all)
    unknown = wanted - {scene.name for scene in SCENES}
    if unknown:
        sys.exit(f"no such scene: {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory() as folder:
        for scene in SCENES:
            if wanted and scene.name not in wanted:
                continue
            path = asyncio.run(shoot(scene, Path(folder)))
            print(f"{path.relative_to(HERE.parent)}: {scene.title}")


if __name__ == "__main__":
    main()

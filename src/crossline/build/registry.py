"""The stages of ``crossline build``, in pipeline order. Each issue that adds a stage adds it here."""

from __future__ import annotations

from crossline.build.stage import Export, Stage

STAGES: list[Stage] = []


def register(stage: Stage) -> Stage:
    if any(s.name == stage.name for s in STAGES):
        raise ValueError(f"stage {stage.name!r} registered twice")
    STAGES.append(stage)
    return stage


def stage_names() -> list[str]:
    _load()
    return [s.name for s in STAGES]


def exports() -> list[Export]:
    _load()
    return [e for s in STAGES for e in s.exports]


def _load() -> None:
    """Import the stage modules so they register themselves (in this order)."""
    import importlib

    for module in STAGE_MODULES:
        importlib.import_module(module)
    # Pipeline order is STAGE_MODULES order, whatever order the modules happened to be imported in.
    STAGES.sort(key=_position)


def _position(stage: Stage) -> int:
    owner = stage.run.__module__
    for i, module in enumerate(STAGE_MODULES):
        if owner == module or owner.startswith(module.rsplit(".", 1)[0] + "."):
            return i
    return len(STAGE_MODULES)


STAGE_MODULES: tuple[str, ...] = ("crossline.build.resolve.stage", "crossline.build.lines.stage", "crossline.build.risk.stage")

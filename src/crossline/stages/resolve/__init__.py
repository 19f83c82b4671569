"""Entity resolution: every person record from every source resolved into nominals with Splink (issue 4).

``stage`` registers the build stage; ``prepare`` turns stored persons into
Splink's input; ``model`` holds the comparisons, blocking and training;
``cluster``, ``decisions`` and ``stable_ids`` turn scored pairs into nominals
that honour people's decisions and keep their ids; ``review``, ``explain`` and
``known`` serve the review queue and "is this child known?". docs/resolve.md
says how it all fits.
"""

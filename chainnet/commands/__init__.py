"""Command modules of the ``chainnet`` CLI, one per area.

Each module defines ``register(main: click.Group) -> None`` that adds its commands to the
group; :mod:`chainnet.cli` calls it for every module in this package. Shared helpers
(``load``, ``cluster_argument``, ``format_table``, ``emit_json``, ``emit_csv``) live in
:mod:`chainnet.commands._common`.
"""

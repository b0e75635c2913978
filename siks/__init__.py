"""The ``siks`` command: one console script that mounts the commands of each package."""

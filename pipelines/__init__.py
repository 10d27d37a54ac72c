"""Entry points: the `autotask-sync` CLI, pipeline assembly, the run summary."""

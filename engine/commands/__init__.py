"""One module per engine command: `add_arguments(parser)` and `run(args, emitter) -> int`."""

"""One module per command: `add_arguments(parser)` and `run(args) -> int`.

Keep top-level imports light: every module is imported to build the parser.
"""

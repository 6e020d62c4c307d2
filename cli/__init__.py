"""The command line (CONTRACT §3): argument parsing, command handlers, tables and progress."""

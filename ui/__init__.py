"""retrotread user interfaces: the CLI and the operator console."""

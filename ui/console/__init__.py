"""The Textual operator console. Importing this package does not import Textual: the session
recorder and the program catalog are used by the control thread and the CLI as well."""

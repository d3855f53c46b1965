"""The console's screens and dialogs. They show frames and pass the operator's choices to the
App (the one place that talks to the engine); none of them does I/O or decides safety."""

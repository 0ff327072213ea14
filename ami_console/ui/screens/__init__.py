"""The console's screens: the connection form, the console itself, help."""

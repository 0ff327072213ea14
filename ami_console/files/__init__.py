"""What the console keeps on disk, and where.

- :mod:`.profiles`: connection settings and saved profiles (never the secret), and the
  config and data directories.
- :mod:`.history`: every action sent, secrets masked (JSON Lines).
- :mod:`.saved`: saved actions as TOML files, with a read-only starter set (``starter_actions/``).
- :mod:`.layout`: the console's layout (the event log's share of the height), remembered.
- :mod:`.atomic`: writing a file so that a crash never leaves half of it.
- :mod:`.regular`: reading a file we did not write: regular files only, never blocking, bounded.

May import the AMI library; never Textual or Rich, nor the other model packages.
"""

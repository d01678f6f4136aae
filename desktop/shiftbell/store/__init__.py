"""What is kept on disk: alerts, acknowledgements and history in SQLite; feed credentials in
the OS keyring; the snooze and the acknowledgement journal as small files. No Qt."""

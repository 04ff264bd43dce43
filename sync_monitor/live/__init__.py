"""What syncs now: each watched job's state and how it ended, estimates, the hub's tracker and
the immutable `Snapshot` the pages read (`snapshot`, built by `build`), and the threads that
keep it (the poller, one stream per job, the actions), wired by `hub`."""

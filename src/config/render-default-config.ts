import type { DefaultPaths } from './default-paths.js';

/** The commented config `config generate` writes: every key, its default and what it does, valid as is. */
export function renderDefaultConfig(paths: DefaultPaths): string {
  return `# sync-daemon configuration. Check it with: sync-daemon config validate --config <this file>
# Durations are strings like "30s", "5m" or "1h30m". Relative paths are resolved against this file's folder,
# and "~/" against your home folder. Commented keys show their default.

# Optional: load more sync jobs from a PocketBase server.
# [pocketbase]
# url = "http://127.0.0.1:8090"
# admin_email = "admin@example.com"
# auth_collection = "_superusers"       # or "sync_daemons": accounts made for daemons (\`pocketbase setup\`)
# admin_password = "change-me"          # or set SYNC_DAEMON_POCKETBASE_PASSWORD instead
# timeout_secs = 30
# retry_attempts = 3
# retry_delay_secs = 5
# heartbeat_interval_secs = 30          # how often this daemon tells PocketBase it is alive (\`sync-daemon fleet\`)
# log_upload_level = "info"             # log records at this level and above go to daemon_logs; "off" for none
# spool_max_records = 100000            # records kept on disk while PocketBase is down; the oldest go first
# retention_days = 30                   # this host's runs and logs older than this are pruned; 0 keeps them

[daemon]
# pid_file = ${JSON.stringify(paths.pidFile)}
# log_file = ${JSON.stringify(paths.logFile)}
log_level = "info"                      # trace, debug, info, warn, error or fatal
log_format = "auto"                     # stdout: pretty on a terminal, JSON lines otherwise; or "json", "pretty"
log_max_size_mb = 10                    # the log file is rotated past this size…
log_max_files = 5                       # …keeping this many old ones (log_file.1 is the newest)
config_refresh_interval_secs = 300      # how often PocketBase jobs are re-read
auto_restart_on_config_change = false
# socket_path = ${JSON.stringify(paths.socketFile)}   # where the CLI finds the daemon
stop_timeout_secs = 10                  # stop message, then SIGTERM, then kill, this long apart
restart_backoff_initial_ms = 100        # a crashed runner restarts at once, then after 100 ms, doubling…
restart_backoff_max_ms = 30000          # …up to this
restart_backoff_reset_secs = 60         # up this long, a runner's crash count starts again
crashloop_after_crashes = 5             # consecutive crashes that mark a job "crashloop" (still retried)
# host = "this machine's hostname"      # PocketBase jobs whose host is empty or this one run here

[concurrency]
max_concurrent_syncs = 4                # jobs syncing at once, across the daemon
max_file_operations = 100               # file operations in flight within one sync
sync_queue_size = 1000                  # triggers waiting for a free slot; more are rejected

[metrics]
address = "127.0.0.1:9090"              # Prometheus /metrics and /healthz; "host:port", or "off"
runner_sample_interval_secs = 5         # how often each runner's CPU and memory are read

[cache]
# cache_dir = ${JSON.stringify(paths.cacheDir)}
config_cache_ttl_secs = 300
file_metadata_cache_ttl_secs = 60       # how long a cached checksum is trusted without re-reading the file
enable_persistent_cache = false         # keep checksums on disk across runs

# One [[sync_jobs]] block per mirrored folder. This one is disabled until you set its paths.
[[sync_jobs]]
id = "documents"                        # letters, digits, ".", "_", "-"; unique
name = "Documents"
source_path = "~/Documents"
destination_path = "~/Backups/Documents"
enabled = false
filters = ["*.tmp", "*.log", ".git/"]   # gitignore syntax, relative to source_path
# sync_timeout_secs = 3600              # kill a run that makes no progress for this long (off by default)

[sync_jobs.schedule]
type = "interval"                       # interval, cron or manual
interval = "5m"
# For cron instead (6 fields with seconds, or 5):
# type = "cron"
# expression = "0 */15 * * * *"
# timezone = "UTC"

[sync_jobs.sync_options]
dry_run = false                         # plan and report, write nothing
preserve_permissions = true
preserve_timestamps = true
delete_destination_files = false        # remove files that are gone from the source
comparison_method = "mtime"             # mtime (size + time, like rsync), checksum or size
ignore_hidden_files = false
# max_delete = 1000                     # refuse a run that would delete more files than this
# trash_dir = "~/Backups/.trash"        # move deleted and overwritten files here instead of losing them
# source_marker = ".sync-source"        # delete nothing unless this file is in the source root
trash_retention_days = 30
fsync = false                           # flush each file to disk before it replaces the old one

# Sync a job as soon as its files change.
[[file_watchers]]
id = "documents-watcher"
name = "Documents watcher"
sync_job_id = "documents"
# watch_path = "~/Documents"            # defaults to the job's source_path
enabled = false
recursive = true
debounce_ms = 1000                      # wait this long after the last change before syncing
watch_events = ["create", "write", "remove", "rename"]   # also: chmod
backend = "auto"                        # native (one watch per folder), chokidar, or polling (network drives)
# poll_interval_ms = 1000               # how often the polling backend looks
full_rescan_interval_secs = 3600        # a full run this often, whatever the events say
`;
}

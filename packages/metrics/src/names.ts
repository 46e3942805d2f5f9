/**
 * The metric names of Apache ZooKeeper 3.8 (ServerMetrics, plus the gauges ZooKeeperServer, Leader and the
 * connection factory register), with the kind and detail level ZooKeeper gives each. A summary's detail level
 * decides what `mntr` prints for it: BASIC -> avg/min/max/cnt/sum, ADVANCED -> also p50/p95/p99/p999.
 */
export type DetailLevel = "basic" | "advanced";

/** ServerMetrics' summaries (AvgMinMaxCounter when basic, AvgMinMaxPercentileCounter when advanced). */
export const SUMMARY_DETAIL: Readonly<Record<string, DetailLevel>> = {
  fsynctime: "basic",
  snapshottime: "basic",
  dbinittime: "basic",
  readlatency: "advanced",
  updatelatency: "advanced",
  propagation_latency: "advanced",
  follower_sync_time: "basic",
  election_time: "basic",
  connection_token_deficit: "basic",
  node_created_watch_count: "basic",
  node_deleted_watch_count: "basic",
  node_changed_watch_count: "basic",
  node_children_watch_count: "basic",
  dead_watchers_cleaner_latency: "advanced",
  prep_processor_queue_time_ms: "advanced",
  prep_processor_queue_size: "basic",
  prep_process_time: "basic",
  close_session_prep_time: "advanced",
  requests_in_session_queue: "basic",
  pending_session_queue_size: "basic",
  reads_after_write_in_session_queue: "basic",
  reads_issued_from_session_queue: "basic",
  session_queues_drained: "basic",
  time_waiting_empty_pool_in_commit_processor_read_ms: "basic",
  write_batch_time_in_commit_processor: "basic",
  concurrent_request_processing_in_commit_processor: "basic",
  read_commit_proc_req_queued: "basic",
  write_commit_proc_req_queued: "basic",
  commit_commit_proc_req_queued: "basic",
  read_commit_proc_issued: "basic",
  write_commit_proc_issued: "basic",
  read_commitproc_time_ms: "advanced",
  write_commitproc_time_ms: "advanced",
  local_write_committed_time_ms: "advanced",
  server_write_committed_time_ms: "advanced",
  commit_process_time: "basic",
  om_proposal_process_time_ms: "advanced",
  om_commit_process_time_ms: "advanced",
  read_final_proc_time_ms: "advanced",
  write_final_proc_time_ms: "advanced",
  proposal_latency: "advanced",
  proposal_ack_creation_latency: "advanced",
  commit_propagation_latency: "advanced",
  startup_txns_loaded: "basic",
  startup_txns_load_time: "basic",
  startup_snap_load_time: "basic",
  sync_processor_queue_and_flush_time_ms: "advanced",
  sync_processor_queue_size: "basic",
  sync_processor_queue_time_ms: "advanced",
  sync_processor_queue_flush_time_ms: "advanced",
  sync_process_time: "basic",
  sync_processor_batch_size: "basic",
  quorum_ack_latency: "advanced",
  jvm_pause_time_ms: "advanced",
};

/** ServerMetrics' summary sets (per-key summaries: `avg_<key>_<name>`, ...). */
export const SUMMARY_SET_DETAIL: Readonly<Record<string, DetailLevel>> = {
  write_per_namespace: "basic",
  read_per_namespace: "basic",
  learner_handler_qp_size: "basic",
  learner_handler_qp_time_ms: "advanced",
  ack_latency: "advanced",
};

/** The names zkts records, by the component that records them (ZooKeeper's spelling, without the `zk_` of mntr). */
export const M = {
  // connection layer
  BYTES_RECEIVED_COUNT: "bytes_received_count",
  CONNECTION_REJECTED: "connection_rejected",
  CONNECTION_REQUEST_COUNT: "connection_request_count",
  SESSIONLESS_CONNECTIONS_EXPIRED: "sessionless_connections_expired",
  // request processing (core) and the data tree
  READ_LATENCY: "readlatency",
  UPDATE_LATENCY: "updatelatency",
  NODE_CREATED_WATCHER: "node_created_watch_count",
  NODE_DELETED_WATCHER: "node_deleted_watch_count",
  NODE_CHANGED_WATCHER: "node_changed_watch_count",
  NODE_CHILDREN_WATCHER: "node_children_watch_count",
  DIGEST_MISMATCHES_COUNT: "digest_mismatches_count",
  // the process (JvmPauseMonitor; zkts: the node adapter's event-loop pause monitor)
  JVM_PAUSE_TIME: "jvm_pause_time_ms",
  // persistence
  FSYNC_TIME: "fsynctime",
  SNAPSHOT_TIME: "snapshottime",
  DB_INIT_TIME: "dbinittime",
  STARTUP_TXNS_LOADED: "startup_txns_loaded",
  SYNC_PROCESSOR_BATCH_SIZE: "sync_processor_batch_size",
  // election
  ELECTION_TIME: "election_time",
  LOOKING_COUNT: "looking_count",
  // ZAB
  PROPOSAL_COUNT: "proposal_count",
  COMMIT_COUNT: "commit_count",
  LEARNER_PROPOSAL_RECEIVED_COUNT: "learner_proposal_received_count",
  LEARNER_COMMIT_RECEIVED_COUNT: "learner_commit_received_count",
  DIFF_COUNT: "diff_count",
  SNAP_COUNT: "snap_count",
} as const;
